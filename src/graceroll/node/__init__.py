"""Node agents: run pods and report their status (simulated here; real processes in the engine)."""
