package systemuser

// The C ABI of libsystemuser (host-examples/c/ABI.md), and nothing else: every function of
// the header is wrapped here, once. No Go pointer crosses into C: inputs are copied to C
// memory (C.CBytes) and freed after the call, out-parameters live in the small C helpers
// below (returned by value), outputs are copied out (C.GoBytes) before the C buffer is freed.

/*
#cgo CFLAGS: -I${SRCDIR}/../c/include
#cgo LDFLAGS: -L${SRCDIR}/../../target/release -lsystemuser -Wl,-rpath,${SRCDIR}/../../target/release
#include <stdlib.h>
#include "systemuser.h"

typedef struct { su_error_t *err; su_buffer_t *buf; } go_su_buf;
typedef struct { su_error_t *err; su_runtime_t *rt; } go_su_rt;
typedef struct { su_error_t *err; su_client_t *cl; } go_su_cl;
typedef struct { su_error_t *err; su_operation_t *op; } go_su_op;
typedef struct { const uint8_t *ptr; size_t len; } go_su_bytes;

static go_su_rt go_su_runtime_load(const uint8_t *path, size_t path_len, const uint8_t *opts, size_t opts_len) {
	go_su_rt r = {0};
	r.err = su_runtime_load(path, path_len, opts, opts_len, &r.rt);
	return r;
}
static go_su_rt go_su_runtime_from_bytes(const uint8_t *wasm, size_t wasm_len, const uint8_t *opts, size_t opts_len) {
	go_su_rt r = {0};
	r.err = su_runtime_from_bytes(wasm, wasm_len, opts, opts_len, &r.rt);
	return r;
}
static go_su_cl go_su_client_new(const su_runtime_t *rt, const uint8_t *doc, size_t len) {
	go_su_cl r = {0};
	r.err = su_client_new(rt, doc, len, &r.cl);
	return r;
}
static go_su_buf go_su_client_validate(const su_client_t *cl, const uint8_t *doc, size_t len) {
	go_su_buf r = {0};
	r.err = su_client_validate(cl, doc, len, &r.buf);
	return r;
}
static go_su_op go_su_operation_new(const su_client_t *cl, const uint8_t *doc, size_t len) {
	go_su_op r = {0};
	r.err = su_operation_new(cl, doc, len, &r.op);
	return r;
}
static go_su_buf go_su_operation_start(su_operation_t *op) {
	go_su_buf r = {0};
	r.err = su_operation_start(op, &r.buf);
	return r;
}
static go_su_buf go_su_operation_advance(su_operation_t *op, const uint8_t *doc, size_t len) {
	go_su_buf r = {0};
	r.err = su_operation_advance(op, doc, len, &r.buf);
	return r;
}
static go_su_bytes go_su_buffer_data(const su_buffer_t *buf) {
	go_su_bytes r = {0};
	r.ptr = su_buffer_data(buf, &r.len);
	return r;
}
static go_su_bytes go_su_error_kind(const su_error_t *err) {
	go_su_bytes r = {0};
	r.ptr = su_error_kind(err, &r.len);
	return r;
}
static go_su_bytes go_su_error_message(const su_error_t *err) {
	go_su_bytes r = {0};
	r.ptr = su_error_message(err, &r.len);
	return r;
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// ABIVersion is the version of the C ABI this package speaks (SU_ABI_VERSION).
const ABIVersion = C.SU_ABI_VERSION

// checkABI refuses a library of another ABI version than the header this package was built
// against. Called by every constructor (cheap: one C call, once per process).
func checkABI() error {
	abiOnce.Do(func() {
		if v := uint32(C.su_abi_version()); v != uint32(ABIVersion) {
			abiErr = &LibraryError{Kind: LibraryLoad, Message: fmt.Sprintf(
				"libsystemuser speaks ABI version %d, this package version %d: build the library and this package from the same release", v, ABIVersion)}
		}
	})
	return abiErr
}

// cBytes copies b into C memory; the caller frees it with C.free. Never NULL, so an empty
// input is a valid pointer with length 0.
func cBytes(b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return (*C.uint8_t)(C.malloc(1)), 0
	}
	return (*C.uint8_t)(C.CBytes(b)), C.size_t(len(b))
}

// takeError turns an su_error_t into a *LibraryError and frees it; nil for NULL.
func takeError(e *C.su_error_t) error {
	if e == nil {
		return nil
	}
	defer C.su_error_delete(e)
	k := C.go_su_error_kind(e)
	m := C.go_su_error_message(e)
	return &LibraryError{
		Kind:    LibraryErrorKind(C.GoStringN((*C.char)(unsafe.Pointer(k.ptr)), C.int(k.len))),
		Message: C.GoStringN((*C.char)(unsafe.Pointer(m.ptr)), C.int(m.len)),
	}
}

// takeBuffer copies a returned document out and frees the buffer.
func takeBuffer(b *C.su_buffer_t) []byte {
	defer C.su_buffer_delete(b)
	d := C.go_su_buffer_data(b)
	if d.ptr == nil {
		return nil
	}
	return C.GoBytes(unsafe.Pointer(d.ptr), C.int(d.len))
}

func libRuntimeLoad(path string, options []byte) (*C.su_runtime_t, error) {
	p, pl := cBytes([]byte(path))
	defer C.free(unsafe.Pointer(p))
	var o *C.uint8_t
	var ol C.size_t
	if len(options) > 0 {
		o, ol = cBytes(options)
		defer C.free(unsafe.Pointer(o))
	}
	r := C.go_su_runtime_load(p, pl, o, ol)
	if err := takeError(r.err); err != nil {
		return nil, err
	}
	return r.rt, nil
}

func libRuntimeFromBytes(wasm, options []byte) (*C.su_runtime_t, error) {
	w, wl := cBytes(wasm)
	defer C.free(unsafe.Pointer(w))
	var o *C.uint8_t
	var ol C.size_t
	if len(options) > 0 {
		o, ol = cBytes(options)
		defer C.free(unsafe.Pointer(o))
	}
	r := C.go_su_runtime_from_bytes(w, wl, o, ol)
	if err := takeError(r.err); err != nil {
		return nil, err
	}
	return r.rt, nil
}

func libRuntimeDelete(rt *C.su_runtime_t) { C.su_runtime_delete(rt) }

func libClientNew(rt *C.su_runtime_t, config []byte) (*C.su_client_t, error) {
	d, dl := cBytes(config)
	defer C.free(unsafe.Pointer(d))
	r := C.go_su_client_new(rt, d, dl)
	if err := takeError(r.err); err != nil {
		return nil, err
	}
	return r.cl, nil
}

func libClientDelete(cl *C.su_client_t) { C.su_client_delete(cl) }

func libClientValidate(cl *C.su_client_t, doc []byte) ([]byte, error) {
	d, dl := cBytes(doc)
	defer C.free(unsafe.Pointer(d))
	r := C.go_su_client_validate(cl, d, dl)
	if err := takeError(r.err); err != nil {
		return nil, err
	}
	return takeBuffer(r.buf), nil
}

func libOperationNew(cl *C.su_client_t, task []byte) (*C.su_operation_t, error) {
	d, dl := cBytes(task)
	defer C.free(unsafe.Pointer(d))
	r := C.go_su_operation_new(cl, d, dl)
	if err := takeError(r.err); err != nil {
		return nil, err
	}
	return r.op, nil
}

func libOperationStart(op *C.su_operation_t) ([]byte, error) {
	r := C.go_su_operation_start(op)
	if err := takeError(r.err); err != nil {
		return nil, err
	}
	return takeBuffer(r.buf), nil
}

func libOperationAdvance(op *C.su_operation_t, input []byte) ([]byte, error) {
	d, dl := cBytes(input)
	defer C.free(unsafe.Pointer(d))
	r := C.go_su_operation_advance(op, d, dl)
	if err := takeError(r.err); err != nil {
		return nil, err
	}
	return takeBuffer(r.buf), nil
}

func libOperationDelete(op *C.su_operation_t) { C.su_operation_delete(op) }

// testPanic makes the library panic inside itself (su_test_panic) and returns the error that
// panic became: for tests proving a binding survives one.
func testPanic() error {
	return takeError(C.su_test_panic())
}

// The handle types, for the files that do not import "C".
type (
	runtimeHandle   = *C.su_runtime_t
	clientHandle    = *C.su_client_t
	operationHandle = *C.su_operation_t
)
