
set edit:completion:arg-completer[flexprice-admin] = { |@words|
    var index = (count $words)
    set index = (- $index 1)

    put (env _CLAP_IFS="\n" _CLAP_COMPLETE_INDEX=(to-string $index) _FLEXPRICE_ADMIN_COMPLETE="elvish" flexprice-admin -- $@words) | to-lines
}

