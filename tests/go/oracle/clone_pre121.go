//go:build !go1.21

package main

const haveClone = false

func cloneHmap(m any) *hmap { panic("maps.Clone needs Go 1.21") }
