"""Running the assistant (secrets, training, the services); imports composition and below, not web or cli."""
