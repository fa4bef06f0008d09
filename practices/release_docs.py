"""The release's README.md and LICENSE (practices/release.py), and the data page's licence facts.

Plain text built from the codebook, so the README's counts and columns are
those of the files beside it. No Django request here: the same data gives the
same bytes.
"""
from __future__ import annotations

LICENCE_NAME = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENCE_LEGALCODE_URL = "https://creativecommons.org/licenses/by/4.0/legalcode"
DATASET_TITLE = "支持民营企业改革发展的典型做法：开放数据"
PUBLISHER = "典型做法目录（Policy-practice catalogue）"

LICENSE_TEXT = f"""数据许可 / Data licence
=======================

本数据集（catalogue.json、practices.*、case-reports.*、metrics.*、codebook.* 与 README.md
中的整理、结构化和指标提取结果）以 知识共享 署名 4.0 国际许可协议（{LICENCE_NAME}）发布：
{LICENCE_URL}
协议全文：{LICENCE_LEGALCODE_URL}

可以自由复制、分发、改编和商业使用，但须注明出处（见 README.md 的“引用方式”），
给出许可协议链接，并说明是否作了修改。

来源文件（政府文件和新闻报道的原文，见 catalogue.json 中的 practices.sourcedocument）
的版权仍归其原发布者所有；本许可只适用于本目录对它们所做的整理，不适用于原文本身。

The data in this release (the structuring, the metrics and the documentation
made by the catalogue) are licensed under Creative Commons Attribution 4.0
International ({LICENCE_NAME}), {LICENCE_URL}. The source texts quoted in it
remain the property of their publishers; the licence does not cover them.
"""


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def readme(*, book: dict) -> str:
    """README.md for the release ``book`` (codebook_build's output)."""
    files = {entry["name"]: entry for entry in book["files"]}
    version = book["version"]

    def records(name: str) -> str:
        entry = files.get(name)
        return str(entry["records"]) if entry and entry.get("records") is not None else "—"

    lines = [
        f"# {book['title']}", "",
        f"版本：{version}", "",
        "## 内容", "",
        "《支持民营企业改革发展的典型做法》收录的典型做法（按政策类别和报送城市整理），"
        "四份来源中的省级案例报道，以及从两者正文中提取的量化指标。每条记录注明来源文件、条目序号和段落或行号。", "",
        "| 文件 | 记录数 |", "|---|---|",
        f"| practices.csv / .xlsx / .json | {records('practices.csv')} |",
        f"| case-reports.csv / .xlsx / .json | {records('case-reports.csv')} |",
        f"| metrics.csv / .xlsx / .json | {records('metrics.csv')} |",
        f"| catalogue.json（Django fixture，全部模型） | {records('catalogue.json')} |", "",
        "## 许可", "",
        f"数据以 {LICENCE_NAME}（{LICENCE_URL}）发布，见 LICENSE。来源文件原文的版权仍归原发布者所有。", "",
        "## 引用方式", "",
        f"{PUBLISHER}：《{book['title']}》，版本 {version}，{LICENCE_NAME}。"
        "引用单项典型做法或案例报道时，另注明来源文件标题、条目序号和该条目的网页地址（见各页的“引用格式”）。", "",
        "## 字段说明（codebook）", "",
        "每一列的完整说明见 codebook.md / codebook.json；主要文件的列如下。", "",
    ]
    for name in ("practices.csv", "case-reports.csv", "metrics.csv"):
        entry = files.get(name)
        if not entry:
            continue
        lines += [f"### {name.removesuffix('.csv')}", "", "| 列 | 说明 |", "|---|---|"]
        lines += [f"| `{column['name']}` | {_cell(column['description'])} |" for column in entry["columns"]]
        lines.append("")
    lines += ["## 校验", "", "sha256sum -c SHA256SUMS", ""]
    return "\n".join(lines)
