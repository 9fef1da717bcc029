"""好差评: each concluded application rated once — by its applicant online or at a kiosk, by the window's
rating device, or by default when the period passes — and each bad rating followed up: the applicant
contacted, the fault put right, a re-rating, or an appeal decided by the service centre's supervisor.
Hooked onto applications from outside (``listen``, and the sweeper for any it missed)."""
