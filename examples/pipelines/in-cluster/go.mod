module example.com/in-cluster

go 1.26
