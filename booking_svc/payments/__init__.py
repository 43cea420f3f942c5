"""Payment of bookings through a provider port (provider.py), with the demo card processor
(demo*.py) as the one adapter shipped. See the README's Payments section."""
