"""Credentials: one provider per auth mode behind one interface. No UI imports."""
