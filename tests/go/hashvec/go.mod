module gomap/hashvec

go 1.19
