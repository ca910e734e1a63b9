module example.com/multi-image

go 1.26
