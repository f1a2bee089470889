package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"altinn.no/systemuser"
)

func main() {
	rt, err := systemuser.LoadRuntime("../../target/wasm/altinn_systemuser.wasm", nil)
	check(err)
	pem, err := os.ReadFile("../../simulator/tests/keys/TEST-ONLY-client-key.pk8.pem")
	check(err)
	key, err := systemuser.ParseRSAPrivateKeyPEM(pem)
	check(err)
	client, err := systemuser.NewClient(rt, systemuser.Config{
		Environment: systemuser.LocalEnvironment(os.Getenv("ALTINN_URL")), // or systemuser.TT02
		Maskinporten: &systemuser.Maskinporten{ClientID: "sim-smartregnskap-client",
			Key: systemuser.KeyID("sim-test-key-1"), Signer: systemuser.NewRSASigner(key)},
	})
	check(err)
	defer client.Close()
	created, err := client.CreateStandardRequest(context.Background(), systemuser.StandardRequest{
		SystemID: "314248295_smartregnskap", PartyOrgNo: "310816191", ExternalRef: "erp-customer-42",
		Rights: []systemuser.Right{systemuser.ResourceRight("ske-krav-og-betalinger")},
	})
	check(err)
	fmt.Println(created.Request.Status, created.Request.ConfirmURL)
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
