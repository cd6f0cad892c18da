#!/usr/bin/env bash
# The programs the tests open our outputs in, as people do: Chromium (the static site, the dbt docs) and
# LibreOffice Calc (the XLSX files), from Debian's packages. Installs only what is missing; `make test` runs it.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)  # Vietnamese glyphs
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null 2>&1; then sudo=(sudo -n); else
  echo "tools/install_test_programs.sh: ${need[*]} missing and neither root nor sudo is available:" \
       "install them with apt-get (Debian) and run make test again" >&2
  exit 1
fi
echo "tools/install_test_programs.sh: installing ${need[*]} from Debian's packages"
if ! { "${sudo[@]}" apt-get update -qq &&
       DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"; }; then
  echo "tools/install_test_programs.sh: apt-get could not install ${need[*]}: the browser and spreadsheet tests" \
       "need them; check the package sources (apt-get update) and run make test again" >&2
  exit 1
fi
