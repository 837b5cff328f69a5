"""Maintenance of the stored history: resets, and repairs of what an older version or a crash may have left.

Each repair reports (reads only) or repairs (one write transaction), and a repair that changes the time or the
methods of plays already in the rollups empties the rollups for the fold job to rebuild (they only ever add).
"""

SAMPLE = 20  # play ids a report names, for the admin to look at (`/stats/history/{play_id}`)
