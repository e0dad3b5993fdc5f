// Package record records an update in the genapp_telegram_* families the
// way every adapter of package telegram does, so that the adapters differ
// only in how they read an update of their library: each has one switch,
// describe, that returns the [Info] of an update, one case per type.
package record

import (
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
)

// Info is what the genapp_telegram_* families record of an update.
type Info struct {
	// Type is the Bot API field that carries the update.
	Type telegram.UpdateType
	// Date is when Telegram stamped the update, in Unix seconds, 0 for
	// none (see [telegram.Date]): a message's date (its edit_date when
	// edited), that of a chat member change, join request or reaction.
	// The other types carry no stamp: a callback query's message is dated
	// when the bot sent the button, not when the user pressed it.
	Date int64
	// From is the Telegram id of the person who sent the update (a poll
	// answer's or a reaction's user), 0 for none or a bot.
	From int64
	// ChatType and Status are, for a my_chat_member, the Bot API type of
	// the chat and the bot's new status in it.
	ChatType, Status string
}

// Update starts recording the update that info describes (see
// [metrics.Metrics.StartTelegramUpdate]): its type and lag, the person who
// sent it among the active users, and for a my_chat_member the bot's new
// status. The caller ends the returned update once its handling ended.
func Update(m *metrics.Metrics, info Info) metrics.TelegramUpdate {
	u := m.StartTelegramUpdate(string(info.Type), telegram.Date(info.Date))
	u.RecordUser(info.From)
	if info.Type == telegram.UpdateMyChatMember {
		m.RecordTelegramBotStatus(info.ChatType, info.Status)
	}
	return u
}
