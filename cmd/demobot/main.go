// Command demobot is a Telegram bot that shows what the genapp toolkit
// records: every handler and button tracked as an action, every Bot API call
// and auth call tracked as outbound HTTP, a periodic task, and, in webhook
// mode, the incoming update requests, all on one /prometheus page.
//
// Without a token it runs offline: a fake Bot API server in the process and a
// few simulated users who chat with the bot. With a token (-token or
// TELEGRAM_BOT_TOKEN) the same handlers serve real Telegram users.
//
//	demobot                                   # offline, telebot, long polling
//	demobot -framework tgbotapi -mode webhook # offline, tgbotapi, webhook
//	TELEGRAM_BOT_TOKEN=123:abc demobot        # real Telegram
//
// Run demobot -help for every flag.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
