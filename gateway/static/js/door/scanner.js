// Reads QR codes from the device camera with the browser's BarcodeDetector, where it has one.

const SCAN_INTERVAL_MS = 250;

/** Whether this browser can read QR codes from the camera. */
export async function canScan() {
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices?.getUserMedia) return false;
  try {
    return (await window.BarcodeDetector.getSupportedFormats()).includes("qr_code");
  } catch {
    return false;
  }
}

/**
 * Shows the back camera in `video` and calls `onCode(text)` for every QR code it reads.
 * Answers a function that stops the camera.
 */
export async function startScanning(video, onCode) {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: { ideal: "environment" } },
    audio: false,
  });
  video.srcObject = stream;
  await video.play();
  const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  let stopped = false;
  let timer = 0;
  const scan = async () => {
    if (stopped) return;
    try {
      if (video.readyState >= 2) {
        for (const found of await detector.detect(video)) onCode(found.rawValue);
      }
    } catch {
      // a frame that cannot be read; the next one may
    }
    if (!stopped) timer = setTimeout(scan, SCAN_INTERVAL_MS);
  };
  scan();
  return () => {
    stopped = true;
    clearTimeout(timer);
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
}
