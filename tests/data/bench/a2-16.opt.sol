# darp a2-16: optimal solution, 2 routes, distance 294.24795 (Cordeau 2006 optimum 294.25).
# Source: github.com/brenobeirigo/darp, data/results/darp_mip/a2-16.json, commit 4927fee54c2a2978864efe7adf1da2d30675487d
# (MIP solved to optimality); node sequences transcribed, depot written as 0 at both ends.
Route 1: 0 10 5 26 21 14 30 15 31 7 16 23 32 0
Route 2: 0 12 6 28 22 4 11 27 20 3 19 13 29 9 8 25 24 2 18 1 17 0
Cost 294.2480
