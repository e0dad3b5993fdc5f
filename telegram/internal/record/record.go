// Package record records an update in the genapp_telegram_* families the
// way every adapter of package telegram does, so that the adapters differ
// only in how they read an update of their library.
package record

import (
	"time"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
)

// Update starts recording an update of type typ stamped at date (see
// [metrics.Metrics.StartTelegramUpdate]): the person id who sent it among
// the active users (0 for none or a bot), and for a my_chat_member the
// bot's new status in a chat of type chatType. The caller ends the
// returned update once its handling ended.
func Update(m *metrics.Metrics, typ telegram.UpdateType, date time.Time, id int64, chatType, status string) metrics.TelegramUpdate {
	u := m.StartTelegramUpdate(string(typ), date)
	u.RecordUser(id)
	if typ == telegram.UpdateMyChatMember {
		m.RecordTelegramBotStatus(chatType, status)
	}
	return u
}
