"""How content/triage/ files map onto the symptom checker's tables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from backcare.articles.models import Prevention, RedFlag
from backcare.contentfiles.files import ContentError, read_yaml, yaml_text
from backcare.contentfiles.kinds import Kind, Record, check_keys, clean_field, slug_list

from .engine import Level
from .flows import FlowNotSafe, publish_working_flow
from .models import Choice, Disposition, FlowVersion, Question, Rule, TriageCase

if TYPE_CHECKING:
    from backcare.contentfiles.loader import LoadReport

CHOICE_DEFAULTS: dict[str, Any] = {
    "exclusive": False,
    "goto": None,
    "floor": "",
    "timing": "",
    "avoid_nsaids": False,
    "prevention": [],
}


class YamlKind(Kind):
    suffix = ".yaml"
    fields: tuple[str, ...] = ()
    optional: dict[str, Any] = {}

    def read_file(self, path: Path) -> Record:
        raw = read_yaml(path)
        check_keys(path, raw, required={self.key_field, *self.fields}, optional=set(self.optional))
        data = {self.key_field: clean_field(self.model, path, self.key_field, raw[self.key_field])}
        for name in self.fields:
            data[name] = self.clean(path, name, raw[name])
        for name, default in self.optional.items():
            data[name] = self.clean(path, name, raw.get(name, default))
        return Record(path=path, key=data[self.key_field], data=data)

    def clean(self, path: Path, name: str, value: Any) -> Any:
        return clean_field(self.model, path, name, value)

    def data_of(self, obj: Any) -> dict[str, Any]:
        names = (self.key_field, *self.fields, *self.optional)
        return {name: getattr(obj, name) for name in names}

    def save_to_db(self, obj: Any, data: dict[str, Any], loaded_fingerprint: str) -> Any:
        item: Any = obj or self.model()
        for name, value in data.items():
            setattr(item, name, value)
        item.loaded_fingerprint = loaded_fingerprint
        item.save()
        return item

    # Field order in files; optional fields at their default are left out.
    layout: tuple[str, ...] = ()

    def file_data(self, data: dict[str, Any]) -> dict[str, Any]:
        names = self.layout or (self.key_field, *self.fields, *self.optional)
        return {
            name: data[name]
            for name in names
            if not (name in self.optional and data[name] == self.optional[name])
        }

    def to_file_text(self, data: dict[str, Any]) -> str:
        return yaml_text(self.file_data(data))


class DispositionKind(YamlKind):
    model = Disposition
    folder = "triage/dispositions"
    key_field = "level"
    fields = ("title", "label", "summary", "instruction")
    optional = {"meanwhile": ""}


class QuestionKind(YamlKind):
    model = Question
    folder = "triage/questions"
    fields = ("order", "text", "choices")
    optional = {"red_flag": False, "hint": "", "multiple": False, "explained_by": None}
    layout = ("slug", "order", "red_flag", "explained_by", "text", "hint", "multiple", "choices")

    def file_data(self, data: dict[str, Any]) -> dict[str, Any]:
        data = super().file_data(data)
        data["choices"] = [
            {k: v for k, v in choice.items() if CHOICE_DEFAULTS.get(k, object()) != v}
            for choice in data["choices"]
        ]
        return data

    def __init__(self) -> None:
        super().__init__()
        self._jumps: list[tuple[Choice, str]] = []

    def clean(self, path: Path, name: str, value: Any) -> Any:
        if name == "explained_by":
            if value is not None and not isinstance(value, str):
                raise ContentError(path, name, "must be the slug of a red flag page")
            return value
        if name == "choices":
            return self.clean_choices(path, value)
        return super().clean(path, name, value)

    def clean_choices(self, path: Path, value: Any) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not value:
            raise ContentError(path, "choices", "must be a list of choices")
        choices = []
        for i, raw in enumerate(value, 1):
            where = f"choices[{i}]"
            if not isinstance(raw, dict):
                raise ContentError(path, where, "must be a mapping with value and label")
            check_keys(path, raw, required={"value", "label"}, optional=set(CHOICE_DEFAULTS))
            choice: dict[str, Any] = {}
            for name in ("value", "label", *CHOICE_DEFAULTS):
                item = raw.get(name, CHOICE_DEFAULTS.get(name))
                if name == "prevention":
                    choice[name] = slug_list(path, f"{where}.prevention", item)
                elif name == "goto":
                    choice[name] = None if item is None else str(item)
                else:
                    try:
                        choice[name] = clean_field(Choice, path, name, item)
                    except ContentError as exc:
                        raise ContentError(path, f"{where}.{name}", exc.message) from None
            choices.append(choice)
        values = [c["value"] for c in choices]
        if len(set(values)) != len(values):
            raise ContentError(path, "choices", "two choices have the same value")
        return choices

    def check_references(self, record: Record, records: dict[Kind, list[Record]]) -> None:
        questions = {r.key for r in records.get(self, [])}
        questions.update(Question.objects.values_list("slug", flat=True))
        flags = set(RedFlag.objects.values_list("slug", flat=True))
        flags.update(_keys_in(records, "red-flags"))
        advice = set(Prevention.objects.values_list("slug", flat=True))
        advice.update(_keys_in(records, "prevention"))
        flag = record.data["explained_by"]
        if flag is not None and flag not in flags:
            raise ContentError(record.path, "explained_by", f"no red flag page is called {flag!r}")
        for i, choice in enumerate(record.data["choices"], 1):
            if choice["goto"] is not None and choice["goto"] not in questions:
                raise ContentError(
                    record.path, f"choices[{i}].goto", f"no question is called {choice['goto']!r}"
                )
            for slug in choice["prevention"]:
                if slug not in advice:
                    raise ContentError(
                        record.path,
                        f"choices[{i}].prevention",
                        f"no prevention item is called {slug!r}",
                    )

    def data_of(self, obj: Question) -> dict[str, Any]:
        data = super().data_of(obj)
        data["explained_by"] = obj.explained_by.slug if obj.explained_by else None
        data["choices"] = [
            {
                "value": c.value,
                "label": c.label,
                "exclusive": c.exclusive,
                "goto": c.goto.slug if c.goto else None,
                "floor": c.floor,
                "timing": c.timing,
                "avoid_nsaids": c.avoid_nsaids,
                "prevention": sorted(c.prevention.values_list("slug", flat=True)),
            }
            for c in obj.choices.all()
        ]
        return data

    def save_to_db(
        self, obj: Question | None, data: dict[str, Any], loaded_fingerprint: str
    ) -> Any:
        values = {k: v for k, v in data.items() if k not in ("choices", "explained_by")}
        values["explained_by"] = (
            RedFlag.objects.get(slug=data["explained_by"]) if data["explained_by"] else None
        )
        question = super().save_to_db(obj, values, loaded_fingerprint)
        # Choices are matched by value, so rules that name them keep pointing at them.
        existing = {c.value: c for c in question.choices.all()}
        for order, raw in enumerate(data["choices"], 1):
            choice = existing.pop(raw["value"], None) or Choice(question=question)
            for name in ("value", "label", "exclusive", "floor", "timing", "avoid_nsaids"):
                setattr(choice, name, raw[name])
            choice.order = order * 10
            # A jump may name a question loaded later in this run: set after all questions.
            choice.goto = None
            choice.save()
            if raw["goto"]:
                self._jumps.append((choice, raw["goto"]))
            choice.prevention.set(Prevention.objects.filter(slug__in=raw["prevention"]))
        for leftover in existing.values():
            leftover.delete()
        return question

    def finish_saving(self) -> None:
        # Jumps name other questions, which all exist now.
        for choice, goto in self._jumps:
            choice.goto = Question.objects.get(slug=goto)
            choice.save(update_fields=["goto"])
        self._jumps.clear()


def _keys_in(records: dict[Kind, list[Record]], folder: str) -> set[str]:
    return {r.key for kind, found in records.items() if kind.folder == folder for r in found}


class RuleKind(YamlKind):
    model = Rule
    folder = "triage/rules"
    fields = ("order", "level", "reason", "when")
    optional = {"stop": False, "instruction": "", "source": ""}
    layout = ("slug", "order", "level", "stop", "when", "reason", "instruction", "source")

    def clean(self, path: Path, name: str, value: Any) -> Any:
        if name == "level":
            if value not in {lv.value for lv in Level}:
                raise ContentError(path, name, f"must be one of {', '.join(Level)}")
            return value
        if name == "when":
            if not isinstance(value, dict) or not value:
                raise ContentError(path, name, "must map question slugs to lists of answers")
            return {str(k): slug_list(path, f"when.{k}", v) for k, v in sorted(value.items())}
        return super().clean(path, name, value)

    def check_references(self, record: Record, records: dict[Kind, list[Record]]) -> None:
        known: dict[str, set[str]] = {}
        for kind, found in records.items():
            if isinstance(kind, QuestionKind):
                for r in found:
                    known[r.key] = {c["value"] for c in r.data["choices"]}
        for question, values in record.data["when"].items():
            if question not in known:
                raise ContentError(record.path, f"when.{question}", "no such question")
            for value in values:
                if value not in known[question]:
                    raise ContentError(record.path, f"when.{question}", f"no answer {value!r}")

    def data_of(self, obj: Rule) -> dict[str, Any]:
        when: dict[str, list[str]] = {}
        for choice in obj.when.select_related("question"):
            when.setdefault(choice.question.slug, []).append(choice.value)
        return {
            "slug": obj.slug,
            "order": obj.order,
            "level": obj.disposition.level,
            "reason": obj.reason,
            "when": {k: sorted(v) for k, v in sorted(when.items())},
            "stop": obj.stop,
            "instruction": obj.instruction,
            "source": obj.source,
        }

    def save_to_db(self, obj: Rule | None, data: dict[str, Any], loaded_fingerprint: str) -> Any:
        rule = obj or Rule()
        rule.slug, rule.order, rule.reason, rule.stop = (
            data["slug"],
            data["order"],
            data["reason"],
            data["stop"],
        )
        rule.instruction, rule.source = data["instruction"], data["source"]
        rule.disposition = Disposition.objects.get(level=data["level"])
        rule.loaded_fingerprint = loaded_fingerprint
        rule.save()
        choices = [
            Choice.objects.get(question__slug=question, value=value)
            for question, values in data["when"].items()
            for value in values
        ]
        rule.when.set(choices)
        return rule


class CaseKind(YamlKind):
    model = TriageCase
    folder = "triage/cases"
    fields = ("description", "expected", "answers")
    layout = ("slug", "description", "expected", "answers")

    def data_of(self, obj: TriageCase) -> dict[str, Any]:
        data = super().data_of(obj)
        # Sorted, as files are: PostgreSQL's jsonb keeps keys in an order of its own.
        data["answers"] = {k: sorted(v) for k, v in sorted(obj.answers.items())}
        return data

    def clean(self, path: Path, name: str, value: Any) -> Any:
        if name == "answers":
            if not isinstance(value, dict):
                raise ContentError(path, name, "must map question slugs to lists of answers")
            return {str(k): slug_list(path, f"answers.{k}", v) for k, v in sorted(value.items())}
        return super().clean(path, name, value)


def triage_kinds() -> list[Kind]:
    return [DispositionKind(), QuestionKind(), RuleKind(), CaseKind()]


def publish_flow_from_files(report: LoadReport) -> None:
    """The step after loading: publish the flow only as the files define it, and only
    when they changed it (or nothing is published yet).

    Anything else in the working tables (an edit in the admin, an item made there) is for
    a clinical reviewer to publish from the admin, never for a deploy. Runs inside the
    load's transaction: a flow that fails its checks undoes the whole load."""
    loaded = [n for n in (*report.created, *report.updated) if n.startswith("triage/")]
    kept = [n for n in report.kept if n.startswith("triage/")]
    extra = items_without_files(report)
    if FlowVersion.objects.exists() and not loaded:
        return
    if kept or extra:
        report.notes.append(
            "symptom checker: not published, because the database holds changes that "
            f"are not in the files ({', '.join(kept + extra)}); a clinical reviewer "
            "publishes them from the admin"
        )
        return
    try:
        version = publish_working_flow()
    except FlowNotSafe as exc:
        raise ContentError(
            "content/triage",
            None,
            "the symptom checker failed its checks:\n  " + "\n  ".join(exc.report.failures()),
        ) from None
    if version is not None:
        report.notes.append(f"symptom checker: published flow version {version.pk}")


def items_without_files(report: LoadReport) -> list[str]:
    """Items of the flow in the database that no file loaded in this run holds."""
    in_files = {*report.created, *report.updated, *report.unchanged, *report.kept}
    return [
        f"{kind.folder}/{key}"
        for kind in triage_kinds()
        for key in kind.queryset().values_list(kind.key_field, flat=True)
        if f"{kind.folder}/{key}" not in in_files
    ]
