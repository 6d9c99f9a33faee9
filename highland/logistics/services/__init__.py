"""Logistics actions, one module per part (parcels, tracking, hub, roads, planning, buses,
cold chain). Views, API, admin and tasks call these and stay thin."""
