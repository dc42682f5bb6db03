package main

import "testing"

func TestKeyRolesAreExactlyTheGatewayRoles(t *testing.T) {
	f := func(role string, ok bool) {
		t.Helper()
		if err := checkRole(role); (err == nil) != ok {
			t.Fatalf("checkRole(%q) = %v, want ok=%v", role, err, ok)
		}
	}
	f("admin", true)
	f("member", true)
	f("read", true)
	f("", false)
	f("Admin", false)
	f("owner", false)
	f("reader", false)
}
