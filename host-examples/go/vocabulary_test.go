package systemuser

// The package's public names against tests/vocabulary.json, the one vocabulary every host
// follows (the root README's table is written from it): each operation a method of *Client,
// each error kind one of the Kind constants of the one *Error, statuses as Altinn spells them.

import (
	"encoding/json"
	"reflect"
	"testing"
)

type vocabularyRow map[string]*string

type vocabularyFile struct {
	Operations []vocabularyRow `json:"operations"`
	Errors     []vocabularyRow `json:"errors"`
	Statuses   struct {
		Request []string `json:"request"`
	} `json:"statuses"`
}

func readVocabulary(t *testing.T) vocabularyFile {
	t.Helper()
	var v vocabularyFile
	if err := json.Unmarshal(readFile(t, "tests/vocabulary.json"), &v); err != nil {
		t.Fatalf("tests/vocabulary.json: %v", err)
	}
	return v
}

func TestVocabularyOperationsAreClientMethods(t *testing.T) {
	v := readVocabulary(t)
	client := reflect.TypeOf(&Client{})
	n := 0
	for _, row := range v.Operations {
		if row["go"] == nil {
			continue
		}
		n++
		if _, ok := client.MethodByName(*row["go"]); !ok {
			t.Errorf("%s: %s is not a method of *Client", *row["concept"], *row["go"])
		}
	}
	if n < 20 {
		t.Fatalf("only %d operations named for Go", n)
	}
}

func TestVocabularyErrorKinds(t *testing.T) {
	v := readVocabulary(t)
	// The names Go code writes; a vocabulary name missing here is a kind the package lacks.
	kinds := map[string]ErrorKind{
		"KindValidation": KindValidation, "KindAltinn": KindAltinn, "KindNotFound": KindNotFound,
		"KindUnavailable": KindUnavailable, "KindTransport": KindTransport, "KindUnauthorized": KindUnauthorized,
		"KindForbidden": KindForbidden, "KindConflict": KindConflict, "KindToken": KindToken,
		"KindMaskinporten": KindMaskinporten, "KindInvalidResponse": KindInvalidResponse, "KindMisuse": KindMisuse,
	}
	base, rest := v.Errors[0], v.Errors[1:]
	if *base["go"] != reflect.TypeOf(Error{}).Name() {
		t.Errorf("the base error is %s in the vocabulary, %s here", *base["go"], reflect.TypeOf(Error{}).Name())
	}
	for _, row := range rest {
		if _, ok := kinds[*row["go"]]; !ok {
			t.Errorf("%s: %s is not an ErrorKind of this package", *row["concept"], *row["go"])
		}
	}
}

func TestVocabularyStatusesAsAltinnSpellsThem(t *testing.T) {
	v := readVocabulary(t)
	got := []string{string(StatusNew), string(StatusAccepted), string(StatusRejected), string(StatusDenied), string(StatusTimedout)}
	if !reflect.DeepEqual(got, v.Statuses.Request) {
		t.Fatalf("statuses %v, the vocabulary says %v", got, v.Statuses.Request)
	}
}
