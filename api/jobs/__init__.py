"""Plan jobs off the API process: leases in the database, an embedded worker process by default,
Dramatiq on RabbitMQ in production (see the README, *Plan jobs*)."""
