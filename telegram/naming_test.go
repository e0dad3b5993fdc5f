package telegram

import (
	"strings"
	"testing"
)

func TestActionName(t *testing.T) {
	for _, tc := range []struct{ route, want string }{
		{"/start", "start_handler"},
		{"/Start", "start_handler"},
		{"/start@MyBot", "start_handler"},
		{"/my-cmd", "my_cmd_handler"},
		{"/my__cmd_", "my_cmd_handler"},
		{"/", "command_handler"},
		{"\fmenu", "menu_callback_handler"},
		{"\fMain-Menu", "main_menu_callback_handler"},
		{"\f", "callback_handler"},
		{"\atext", "text_handler"},
		{"\aphoto", "photo_handler"},
		{"\acallback", UnroutedCallback},
		{"\aunknown_command", UnknownCommand},
		{"\aedited_message", "edited_message_handler"},
		{"Help me", "help_me_button_handler"},
		{"⚙ Settings", "settings_button_handler"},
		{"🎲", "button_handler"},
		{"", "button_handler"},
		{"/\xff\xfeRun", "run_handler"},
	} {
		got := ActionName(tc.route)
		if got != tc.want {
			t.Errorf("ActionName(%q) = %q, want %q", tc.route, got, tc.want)
		}
		if err := CheckName(got); err != nil {
			t.Errorf("ActionName(%q) = %q is not a valid name: %v", tc.route, got, err)
		}
	}
}

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"greet_handler", "a", "x1_2", strings.Repeat("a", MaxNameLen)} {
		if err := CheckName(ok); err != nil {
			t.Errorf("CheckName(%q) = %v, want nil", ok, err)
		}
	}
	for _, tc := range []struct{ name, msg string }{
		{"", "want 1 to 100 characters of [a-z0-9_]"},
		{strings.Repeat("a", MaxNameLen+1), "want 1 to 100 characters of [a-z0-9_]"},
		{"Greet", `character 'G' at 0 is not allowed; want only [a-z0-9_]`},
		{"greet-handler", `character '-' at 5 is not allowed`},
		{"greet handler", `character ' ' at 5 is not allowed`},
	} {
		err := CheckName(tc.name)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("CheckName(%q) = %v, want an error containing %q", tc.name, err, tc.msg)
		}
	}
}

func TestCallbackUnique(t *testing.T) {
	for data, want := range map[string]string{
		"menu": "menu", "menu:42": "menu", "menu|42": "menu", "\fmenu|42": "menu", "menux": "menux",
		"menu:a|b": "menu", "": "", ":42": "", "\f": "",
	} {
		if got := CallbackUnique(data); got != want {
			t.Errorf("CallbackUnique(%q) = %q, want %q", data, got, want)
		}
	}
}

func TestChecks(t *testing.T) {
	for _, tc := range []struct {
		check func(string) error
		ok    []string
		bad   []string
		want  string
	}{
		{CheckCommand, []string{"start", "A_1", strings.Repeat("c", 32)}, []string{"", "/start", "st-art", "мир", strings.Repeat("c", 33)}, "want 1 to 32 characters of [A-Za-z0-9_]"},
		{CheckCallbackUnique, []string{"menu", "main-menu", strings.Repeat("u", 64)}, []string{"", "menu:1", "a b", strings.Repeat("u", 65)}, "want 1 to 64 characters of [A-Za-z0-9_-]"},
		{CheckUsername, []string{"my_bot", "Bot12", strings.Repeat("b", 32)}, []string{"", "bot", "@my_bot", "my-bot", strings.Repeat("b", 33)}, "want 5 to 32 characters of [A-Za-z0-9_]"},
	} {
		for _, s := range tc.ok {
			if err := tc.check(s); err != nil {
				t.Errorf("%q: %v", s, err)
			}
		}
		for _, s := range tc.bad {
			if err := tc.check(s); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%q: error %v, want one saying %q", s, err, tc.want)
			}
		}
	}
}
