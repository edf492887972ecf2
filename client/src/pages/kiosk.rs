//! Kiosk mode: a young person answers a consultation on a shared tablet, one question per screen.
