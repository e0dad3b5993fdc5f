// Package actiontest asserts on the genapp_action_* samples the telegram
// adapters record, read from a parsed scrape of the real exposition.
package actiontest
