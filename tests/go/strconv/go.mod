module gomap/strconv

go 1.19
