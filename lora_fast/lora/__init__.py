"""LoRAs: target layers, reading and checking files, the seeded factory, folding, and the hot-swap slot."""
