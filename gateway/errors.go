package gateway

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v2"
)

// Error is an error answered to an HTTP client as
// {"error": {"code": ..., "message": ...}} with Status.
type Error struct {
	Status  int
	Code    string
	Message string
	// RetryAfter, in seconds, is sent as Retry-After when positive.
	RetryAfter int
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func newError(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

func badRequest(code, message string) *Error { return newError(http.StatusBadRequest, code, message) }

func notFound(message string) *Error { return newError(http.StatusNotFound, "not_found", message) }

// unavailable is the answer when Kafka did not take a record: the client
// should try again, nothing was accepted.
func unavailable(message string) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: message, RetryAfter: 5}
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// errorHandler answers every error in the one JSON format. Errors that are
// not *Error or *fiber.Error are logged and answered as 500 without detail,
// so no internal message or secret reaches a client.
func errorHandler(logger *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		var e *Error
		var fe *fiber.Error
		switch {
		case errors.As(err, &e):
		case errors.As(err, &fe):
			e = fiberError(fe)
		default:
			logger.Error("request failed", "method", c.Method(), "path", c.Path(), "err", err)
			e = newError(http.StatusInternalServerError, "internal", "internal error")
		}
		if e.RetryAfter > 0 {
			c.Set(fiber.HeaderRetryAfter, itoa(e.RetryAfter))
		}
		return c.Status(e.Status).JSON(errorBody{Error: errorDetail{Code: e.Code, Message: e.Message}})
	}
}

func fiberError(fe *fiber.Error) *Error {
	switch fe.Code {
	case http.StatusRequestEntityTooLarge:
		return newError(fe.Code, "payload_too_large", "request body is larger than the configured limit (WEARSTREAM_MAX_BODY_BYTES)")
	case http.StatusNotFound:
		return newError(fe.Code, "not_found", "no such route")
	case http.StatusMethodNotAllowed:
		return newError(fe.Code, "method_not_allowed", "method not allowed on this route")
	}
	return newError(fe.Code, "http_error", fe.Message)
}
