// The door's sounds (WebAudio): a bright beep when a ticket is admitted, a low double buzz when
// it is refused, so the person at the door need not look at the screen.

let context = null;

/** Creates (or wakes) the audio context; browsers allow that only after a tap or a key. */
export function unlockSound() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  context ??= new Context();
  if (context.state === "suspended") context.resume().catch(() => {});
}

function tone(frequency, start, duration, type) {
  const oscillator = context.createOscillator();
  const gain = context.createGain();
  oscillator.type = type;
  oscillator.frequency.value = frequency;
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(0.3, start + 0.01);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + duration);
  oscillator.connect(gain).connect(context.destination);
  oscillator.start(start);
  oscillator.stop(start + duration + 0.02);
}

/** One beep for yes, two buzzes for no. */
export function sound(admitted) {
  if (!context) return;
  const now = context.currentTime;
  if (admitted) {
    tone(880, now, 0.18, "sine");
    tone(1320, now + 0.12, 0.2, "sine");
  } else {
    tone(196, now, 0.22, "square");
    tone(196, now + 0.3, 0.22, "square");
  }
}
