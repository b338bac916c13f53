"""The næringsstrategi's action plan as data: goals, innsatsområder, strategies, tiltak."""
