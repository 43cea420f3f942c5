"""The waiting list: people wait for N seats of a sold-out session (side by side or not), and
seats that free are held for the oldest entry they can satisfy."""
