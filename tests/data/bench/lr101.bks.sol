# lilim-hier lr101: best known solution, 19 routes, distance 1650.7992 (Hasle & Kloster 2003).
# Source: github.com/rogalski-wmii-uni-lodz-pl/vrp-benchmarks, best_known_solutions/LiLim/2001-01-01/lr101.19_1650.7992.txt,
# commit dde7dacf5ae45188765d31fb95bdd1a0e4ee52ce; depot 0 added at both ends.
Route 1: 0 63 64 49 48 0
Route 2: 0 39 23 104 67 55 25 0
Route 3: 0 14 44 105 38 43 13 0
Route 4: 0 36 47 19 8 46 17 0
Route 5: 0 62 11 90 20 32 70 0
Route 6: 0 33 29 78 34 35 77 0
Route 7: 0 30 51 101 9 66 1 0
Route 8: 0 95 98 16 86 91 100 0
Route 9: 0 72 75 22 74 102 58 0
Route 10: 0 2 21 73 41 56 4 0
Route 11: 0 27 69 76 79 3 54 24 80 0
Route 12: 0 59 99 94 96 0
Route 13: 0 5 83 61 85 37 93 0
Route 14: 0 92 42 15 87 57 97 0
Route 15: 0 45 82 18 84 60 89 0
Route 16: 0 31 88 7 10 0
Route 17: 0 52 6 0
Route 18: 0 65 71 81 50 68 103 0
Route 19: 0 28 12 40 53 106 26 0
Cost 1650.7992
