package systemuser

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// observe is called with every JSON document crossing the boundary (def names its $defs
// entry in the schema). Tests set it to validate each against the schema; nil otherwise.
var observe = func(def string, doc []byte) {}

type stepDoc struct {
	Step    string          `json:"step"`
	Request *sendRequest    `json:"request"`
	Data    string          `json:"data"`
	Scopes  []string        `json:"scopes"`
	Ms      uint32          `json:"ms"`
	Outcome json.RawMessage `json:"outcome"`
	Error   *wireError      `json:"error"`
}

type sendRequest struct {
	Method           string      `json:"method"`
	URL              string      `json:"url"`
	Headers          [][2]string `json:"headers"`
	Body             *string     `json:"body"`
	TimeoutMs        uint32      `json:"timeoutMs"`
	MaxResponseBytes uint32      `json:"maxResponseBytes"`
}

type outcomeDoc struct {
	Outcome    string            `json:"outcome"`
	Request    *Request          `json:"request"`
	IsNew      bool              `json:"isNew"`
	Reconciled bool              `json:"reconciled"`
	Items      json.RawMessage   `json:"items"`
	NextPage   *string           `json:"nextPage"`
	SystemUser *SystemUser       `json:"systemUser"`
	System     *RegisteredSystem `json:"system"`
	InternalID *string           `json:"internalId"`
	Clients    *ClientList       `json:"clients"`
	Agent      string            `json:"agent"`
	Client     string            `json:"client"`
	// ChangeRequest is kept as JSON: change requests have no typed call in this package yet.
	ChangeRequest json.RawMessage `json:"changeRequest"`
	Token         *struct {
		AccessToken string    `json:"accessToken"`
		Scope       string    `json:"scope"`
		ExpiresAt   time.Time `json:"expiresAt"`
	} `json:"token"`
}

// operation is one operation handle, owned by one goroutine from new to delete.
type operation struct {
	h operationHandle
}

func (c *Client) newOperation(task map[string]any) (*operation, error) {
	task["v"] = 1
	doc, err := json.Marshal(task)
	if err != nil {
		return nil, err
	}
	observe("task", doc)
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.h == nil {
		return nil, ErrClosed
	}
	h, err := libOperationNew(c.h, doc)
	if err != nil {
		return nil, err
	}
	return &operation{h: h}, nil
}

func (o *operation) start() ([]byte, error)               { return libOperationStart(o.h) }
func (o *operation) advance(input []byte) ([]byte, error) { return libOperationAdvance(o.h, input) }
func (o *operation) close()                               { libOperationDelete(o.h); o.h = nil }

// cancelled is the error of an operation ended by its context.
func cancelled(task string, err error) error {
	return fmt.Errorf("systemuser: %s ended by its context: %w", task, err)
}

// run pumps one operation to its end: each step is done here with Go's own tools (net/http,
// the signer, the token source, a timer) and answered; the context is checked between steps,
// so cancelling it ends the operation at its next step.
func (c *Client) run(ctx context.Context, want string, task map[string]any) (*outcomeDoc, error) {
	name, _ := task["task"].(string)
	if err := ctx.Err(); err != nil {
		return nil, cancelled(name, err)
	}
	op, err := c.newOperation(task)
	if err != nil {
		return nil, err
	}
	defer op.close()
	step, err := op.start()
	for {
		if err != nil {
			return nil, err
		}
		observe("step", step)
		var s stepDoc
		if err := json.Unmarshal(step, &s); err != nil {
			return nil, documentError("step", err)
		}
		if s.Step == "done" {
			if s.Error != nil {
				return nil, s.Error.toError()
			}
			var o outcomeDoc
			if err := json.Unmarshal(s.Outcome, &o); err != nil {
				return nil, documentError("outcome", err)
			}
			if o.Outcome != want {
				return nil, documentError("outcome", fmt.Errorf("%q where %q was due", o.Outcome, want))
			}
			return &o, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, cancelled(name, err)
		}
		input := c.answer(ctx, &s)
		if err := ctx.Err(); err != nil {
			// The answer may be a failure the cancellation caused: the operation ends here.
			return nil, cancelled(name, err)
		}
		doc, err := json.Marshal(input)
		if err != nil {
			return nil, err
		}
		observe("input", doc)
		step, err = op.advance(doc)
	}
}

// answer does what a step asks and returns the input document answering it.
func (c *Client) answer(ctx context.Context, s *stepDoc) map[string]any {
	switch s.Step {
	case "send":
		return c.send(ctx, s.Request)
	case "sign":
		data, err := base64.StdEncoding.DecodeString(s.Data)
		if err != nil || c.mp == nil || c.mp.Signer == nil {
			return map[string]any{"v": 1, "input": "sign-failed", "message": "this client has no signer for the grant"}
		}
		sig, err := c.mp.Signer.Sign(ctx, data)
		if err != nil {
			return map[string]any{"v": 1, "input": "sign-failed", "message": "the signer failed: " + err.Error()}
		}
		return map[string]any{"v": 1, "input": "signature", "signature": base64.StdEncoding.EncodeToString(sig)}
	case "token":
		if c.tokens == nil {
			return map[string]any{"v": 1, "input": "token-failed", "message": "this client has no token source"}
		}
		token, err := c.tokens(ctx, append([]string{}, s.Scopes...))
		if err != nil {
			return map[string]any{"v": 1, "input": "token-failed", "message": "the token source failed: " + err.Error()}
		}
		return map[string]any{"v": 1, "input": "token", "token": token}
	case "wait":
		t := time.NewTimer(time.Duration(s.Ms) * time.Millisecond)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		return map[string]any{"v": 1, "input": "waited"}
	}
	// A step this package does not know (a newer library): say so through the protocol.
	return map[string]any{"v": 1, "input": "transport-failed", "failure": map[string]string{"kind": "other",
		"message": fmt.Sprintf("this binding does not know the step %q: use a library and package of one release", s.Step)}}
}

func failed(kind TransportKind, message string) map[string]any {
	return map[string]any{"v": 1, "input": "transport-failed", "failure": map[string]string{"kind": string(kind), "message": message}}
}

// send makes one HTTP exchange under the limits policy: no redirects, the whole exchange
// (connect, headers, body) within the step's timeoutMs, at most maxResponseBytes read, no
// compressed answer. Failure messages name the method and host:port only (never the query, a
// header value or a body).
func (c *Client) send(ctx context.Context, r *sendRequest) map[string]any {
	if r == nil {
		return failed(TransportOther, "the send step has no request")
	}
	u, err := url.Parse(r.URL)
	if err != nil {
		return failed(TransportOther, "the request URL cannot be read")
	}
	where := r.Method + " " + u.Host
	var body io.Reader
	if r.Body != nil {
		b, err := base64.StdEncoding.DecodeString(*r.Body)
		if err != nil {
			return failed(TransportOther, where+": the request body is not base64")
		}
		body = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(r.TimeoutMs)*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, body)
	if err != nil {
		return failed(TransportOther, where+": the request cannot be made")
	}
	req.URL = u
	for _, h := range r.Headers {
		if strings.EqualFold(h[0], "host") {
			req.Host = h[1]
			continue
		}
		req.Header.Add(h[0], h[1])
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "altinn-systemuser-go")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		kind, why := classify(ctx, err)
		return failed(kind, where+": "+why)
	}
	defer resp.Body.Close()
	// Never decompress: an answer in any other encoding than identity is refused unread (a
	// transport that decompressed anyway says so with Uncompressed).
	if enc := strings.TrimSpace(resp.Header.Get("Content-Encoding")); (enc != "" && !strings.EqualFold(enc, "identity")) || resp.Uncompressed {
		return failed(TransportTooLarge, fmt.Sprintf("%s: the answer is compressed (Content-Encoding other than identity), refused unread", where))
	}
	limit := int64(r.MaxResponseBytes)
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if int64(len(data)) > limit {
		return failed(TransportTooLarge, fmt.Sprintf("%s: the answer is larger than %d bytes, refused", where, limit))
	}
	if err != nil {
		kind, why := classify(ctx, err)
		if kind == TransportOther || kind == TransportConnect {
			kind = TransportConnectionLost
		}
		return failed(kind, where+": reading the answer: "+why)
	}
	headers := make([][2]string, 0, len(resp.Header))
	for name, values := range resp.Header {
		for _, v := range values {
			headers = append(headers, [2]string{strings.ToLower(name), v})
		}
	}
	return map[string]any{"v": 1, "input": "response", "response": map[string]any{
		"status": resp.StatusCode, "headers": headers, "body": base64.StdEncoding.EncodeToString(data)}}
}

// classify maps a net/http failure to a transport kind and a short reason of our own words
// (Go's own texts quote the URL, and a malformed answer's bytes).
func classify(ctx context.Context, err error) (TransportKind, string) {
	var ne net.Error
	var op *net.OpError
	var dns *net.DNSError
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		return TransportTimeout, "no complete answer within the exchange's timeout"
	case errors.Is(err, context.Canceled):
		return TransportOther, "cancelled"
	case errors.As(err, &dns):
		return TransportConnect, "the host name cannot be resolved"
	case errors.As(err, &op) && op.Op == "dial":
		return TransportConnect, "cannot connect: " + errnoText(op.Err)
	case errors.As(err, &ne) && ne.Timeout():
		return TransportTimeout, "timed out"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return TransportConnectionLost, "the connection closed before the answer was complete"
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed):
		return TransportConnectionLost, "the connection was reset"
	case errors.As(err, &op):
		return TransportConnectionLost, "the connection failed: " + errnoText(op.Err)
	}
	return TransportOther, "the answer is not HTTP this client can read"
}

// errnoText is the OS's words for a socket error, without addresses.
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	return "a network error"
}
