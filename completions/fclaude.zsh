#compdef fclaude

_fclaude_completion() {
  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" _FCLAUDE_COMPLETE=complete_zsh fclaude)
}

compdef _fclaude_completion fclaude
