package systemuser

import "context"

// Pages walks a list one page at a time, one operation per page, for lists too long to hold
// at once:
//
//	pages := client.RequestPages(systemID, systemuser.Standard)
//	for pages.Next(ctx) {
//		for _, r := range pages.Page().Items { … }
//	}
//	if err := pages.Err(); err != nil { … }
//
// The caller decides when to stop (bound it with the context: a server that hands out a new
// page token forever is only ended by ListAllRequests/ListAllSystemUsers, which the component
// guards). A Pages is for one goroutine.
type Pages[T any] struct {
	fetch func(ctx context.Context, page string) (*Page[T], error)
	next  string
	page  *Page[T]
	err   error
	done  bool
}

// Next fetches the next page; false at the end of the list or on an error (see Err).
func (p *Pages[T]) Next(ctx context.Context) bool {
	if p.done {
		return false
	}
	page, err := p.fetch(ctx, p.next)
	if err != nil {
		p.err, p.done, p.page = err, true, nil
		return false
	}
	p.page, p.next = page, page.NextPage
	p.done = page.NextPage == ""
	return true
}

// Page is the page Next fetched.
func (p *Pages[T]) Page() *Page[T] { return p.page }

// Err is the error that ended the walk, nil at the end of the list.
func (p *Pages[T]) Err() error { return p.err }

// ForEach calls fn for every item of every page, in order, until the list ends, fn returns
// an error, or a page cannot be read (that error is returned).
func (p *Pages[T]) ForEach(ctx context.Context, fn func(T) error) error {
	for p.Next(ctx) {
		for _, item := range p.page.Items {
			if err := fn(item); err != nil {
				return err
			}
		}
	}
	return p.err
}

// RequestPages walks a system's requests page by page (kind "" is Standard).
func (c *Client) RequestPages(systemID string, kind RequestKind) *Pages[Request] {
	return &Pages[Request]{fetch: func(ctx context.Context, page string) (*Page[Request], error) {
		return c.ListRequests(ctx, systemID, kind, page)
	}}
}

// SystemUserPages walks a system's system users page by page.
func (c *Client) SystemUserPages(systemID string) *Pages[SystemUser] {
	return &Pages[SystemUser]{fetch: func(ctx context.Context, page string) (*Page[SystemUser], error) {
		return c.ListSystemUsers(ctx, systemID, page)
	}}
}
