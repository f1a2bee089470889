module altinn.no/systemuser

go 1.19
