"""Services: one module per stage. Each call opens its own unit of work and returns DTOs."""
