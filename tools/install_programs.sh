#!/usr/bin/env bash
# The programs beyond the venv that a make target needs, from Debian's packages; installs only what is missing.
#   tools/install_programs.sh test    what the tests open our outputs in, as people do: Chromium (the static site,
#                                     the dbt docs) and LibreOffice Calc (the XLSX files); `make test` runs it
#   tools/install_programs.sh bench   libfaketime, which sets the clock of the benchmark's nights (`make bench`)
set -euo pipefail

purpose=${1:?usage: tools/install_programs.sh test|bench}
need=()
case "$purpose" in
  test)
    command -v chromium >/dev/null 2>&1 || need+=(chromium)
    command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
    [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)  # Vietnamese glyphs
    ;;
  bench)
    compgen -G "/usr/lib/*/faketime/libfaketime.so.1" >/dev/null || need+=(libfaketime)
    ;;
  *) echo "tools/install_programs.sh: unknown purpose '$purpose' (test or bench)" >&2; exit 2 ;;
esac
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null 2>&1; then sudo=(sudo -n); else
  echo "tools/install_programs.sh: ${need[*]} missing and neither root nor sudo is available:" \
       "install them with apt-get (Debian) and run make $purpose again" >&2
  exit 1
fi
echo "tools/install_programs.sh: installing ${need[*]} from Debian's packages (make $purpose needs them)"
if ! { "${sudo[@]}" apt-get update -qq &&
       DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"; }; then
  echo "tools/install_programs.sh: apt-get could not install ${need[*]}, which make $purpose needs;" \
       "check the package sources (apt-get update) and run make $purpose again" >&2
  exit 1
fi
