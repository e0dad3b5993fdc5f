// Package bottoken finds Telegram bot tokens in text, so that no label, log
// line or error the module produces carries one.
package bottoken
