module gomap/swissoracle

go 1.24
