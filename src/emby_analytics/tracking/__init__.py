"""Play tracking: the pure tracker core (model, accounting, tracker), Emby converters (observe) and a replay driver.

The core modules (`model`, `accounting`, `tracker`) import nothing from the rest of the project, so they can be
tested as plain functions on tables of cases. `observe` converts Emby models; `replay` drives the simulator.
"""
