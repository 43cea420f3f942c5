"""Booking notifications: email and web push on confirmation and cancellation, and a reminder
before an unpaid hold expires; driven by the booking topics, each message sent once."""
