package telegram

import "time"

// Date is the time of a date of the Bot API, in Unix seconds, as updates
// carry it (a message's date or edit_date, a chat member change's date):
// the zero time for none (0, or a negative value no update carries), so
// that metrics.Metrics.StartTelegramUpdate observes no lag for it.
func Date(secs int64) time.Time {
	if secs <= 0 {
		return time.Time{}
	}
	return time.Unix(secs, 0)
}
