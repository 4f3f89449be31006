module gomap/randvec

go 1.19
