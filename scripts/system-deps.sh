#!/usr/bin/env bash
# Install the Debian packages zhifa needs, when they are missing. One list for `make` and for CI.
# As root it installs them; otherwise it prints the apt-get command to run.
set -euo pipefail

packages=(
  python3-venv      # the project's virtualenv
  make
  postgresql-client # psql/pg_isready: CI's PostgreSQL run
  fonts-noto-cjk    # CJK font for 文书 PDFs (WeasyPrint) and screenshots
  libpango-1.0-0    # WeasyPrint
  libpangoft2-1.0-0 # WeasyPrint
  libharfbuzz-subset0 # WeasyPrint font subsetting (without it a 2-page PDF takes ~20 s)
  poppler-utils     # pdftotext/pdffonts: tests read the PDFs back
  chromium          # browser tests (Playwright drives /usr/bin/chromium; its own download cannot work offline)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  echo "安装系统依赖：${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "缺少系统依赖，请先执行：sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
