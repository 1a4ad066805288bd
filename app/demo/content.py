"""What the demo practice holds, so a newcomer sees the whole product at once.

A second coach and five more clients in different stages, a programme template in Dutch,
exercises of every question type, programmes started from the template, answers (handed in,
and reviewed with feedback), session reports, journal entries, goals, message threads, a
sample document, and the practice's privacy details with two processors.

Everything goes through the features' own services, as a coach or client would do it in the
browser, so it is encrypted and audited exactly as in real use (the audit events say
origin "cli"). The Dutch texts are demo data, not interface text: they need no gettext.
Nothing here commits; reset_demo does, once, so the demo is made all or nothing.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from werkzeug.datastructures import MultiDict

from app.accounts import services as accounts
from app.accounts.models import Role, User
from app.clients import services as clients
from app.consent import services as consent
from app.consent.models import ConsentHow
from app.documents import services as documents
from app.exercises import builder
from app.exercises import services as exercises
from app.exercises.models import Assignment, Exercise, Question, QuestionKind
from app.extensions import db
from app.goals import services as goals
from app.goals.models import GoalStatus
from app.journal import services as journal
from app.messages import services as messages
from app.notifications import services as notifications
from app.privacy import services as privacy
from app.programmes import library
from app.programmes import services as programmes
from app.programmes.models import (
    Programme,
    ProgrammeStatus,
    ProgrammeTemplate,
    StepKind,
    Unlock,
)
from app.reports import services as reports
from app.reports.models import SessionKind, Visibility
from app.timeutil import utcnow

# A private journal entry of client@demo.test holds this phrase; tests look for it in the raw
# practice file to prove journal text is stored encrypted.
JOURNAL_MARKER = "Vanochtend op de fiets naar huis bedacht"

# (e-mail, first name, last name, coach: "sanne" or "pieter")
SECOND_COACH = ("pieter@demo.test", "Pieter", "Visser")
MORE_CLIENTS = {
    "fatima": ("fatima@demo.test", "Fatima", "El Amrani", "sanne"),
    "lotte": ("lotte@demo.test", "Lotte", "van Dijk", "sanne"),
    "jeroen": ("jeroen@demo.test", "Jeroen", "Smit", "sanne"),
    "noor": ("noor@demo.test", "Noor", "Hendriks", "pieter"),
    "bram": ("bram@demo.test", "Bram", "Mulder", "pieter"),
}
DAAN_DETAILS = {
    "phone": "06 12345678",
    "address": "Lindelaan 12, 3581 AB Utrecht",
    "date_of_birth": date(1988, 4, 17),
    "referral_notes": "Aangemeld via de werkgever (loopbaanbudget). Wil na 10 jaar in de logistiek een nieuwe richting kiezen.",
}
MORE_DETAILS = {
    "fatima": {"phone": "06 23456789", "address": "Kerkstraat 3, 3811 CV Amersfoort",
               "referral_notes": "Verwezen door het UWV; intakegesprek gepland."},
    "lotte": {"phone": "06 34567890", "address": "Oudegracht 201, 3511 NH Utrecht",
              "referral_notes": "Zelf aangemeld na het afronden van haar master."},
    "jeroen": {"phone": "06 45678901", "address": "Dorpsstraat 45, 3732 HJ De Bilt",
               "referral_notes": "Traject betaald door de werkgever; afgerond met een eindgesprek."},
    "noor": {"phone": "06 56789012", "address": "Vinkenstraat 8, 2011 AA Haarlem",
             "referral_notes": "Herintreder na vijf jaar zorg voor haar kinderen."},
    "bram": {"phone": "06 67890123", "address": "Stationsweg 77, 3771 CA Barneveld",
             "referral_notes": "Financiering via het O&O-fonds; net gestart."},
}


# --- the library: exercises and the programme template --------------------------------------

# Each question: (kind, prompt, set-up as the builder's form sends it)
EXERCISES: dict[str, tuple[str, str, list[tuple[str, str, dict[str, Any]]]]] = {
    "startpunt": (
        "Waar sta je nu?",
        ("Een eerste verkenning van je huidige werk en wat je van dit traject verwacht.\n"
        "Er zijn geen goede of foute antwoorden: schrijf op wat bij je opkomt."),
        [
            (QuestionKind.SHORT_TEXT, "Wat is je huidige (of laatste) functie?", {}),
            (QuestionKind.LONG_TEXT, "Wat wil je aan het eind van dit traject bereikt hebben?", {}),
            (QuestionKind.SCALE, "Hoe tevreden ben je op dit moment met je werk?",
             {"scale_min": "1", "scale_max": "10", "min_label": "Helemaal niet tevreden", "max_label": "Heel tevreden"}),
            (QuestionKind.DATE, "Wanneer wil je een keuze gemaakt hebben?", {}),
        ],
    ),
    "waarden": (
        "Jouw waarden en drijfveren",
        ("Wat vind je belangrijk in je werk, en waar krijg je energie van?\n"
        "Neem er rustig de tijd voor; je kunt tussendoor stoppen, alles wordt bewaard."),
        [
            (QuestionKind.RANKING, "Zet deze waarden in volgorde: de belangrijkste bovenaan.",
             {"options": "Zekerheid\nVrijheid\nErkenning\nSamenwerken\nCreativiteit\nBalans werk en privé"}),
            (QuestionKind.MULTIPLE_CHOICE, "Van welke activiteiten krijg je energie?",
             {"options": "Mensen helpen\nProblemen oplossen\nOrganiseren en plannen\nIets maken of bouwen\n"
                         "Lesgeven of uitleggen\nAnalyseren en onderzoeken"}),
            (QuestionKind.SINGLE_CHOICE, "Waar werk je het liefst?",
             {"options": "Alleen\nIn een klein team\nIn een grote organisatie\nAfwisselend"}),
            (QuestionKind.LONG_TEXT, "Beschrijf een moment in je werk waarop je echt trots was. Wat deed je, en waarom gaf het voldoening?", {}),
        ],
    ),
    "verkenning": (
        "Loopbaanverkenning",
        "Maak je richting concreet: welke beroepen passen bij je, en wat is je eerste stap?",
        [
            (QuestionKind.SHORT_TEXT, "Welke drie beroepen of functies spreken je het meest aan?", {}),
            (QuestionKind.SCALE, "Hoe zeker ben je van je richting?",
             {"scale_min": "1", "scale_max": "5", "min_label": "Nog heel onzeker", "max_label": "Heel zeker"}),
            (QuestionKind.SINGLE_CHOICE, "Wat wordt je eerste stap?",
             {"options": "Een informatiegesprek\nEen meeloopdag\nEen opleiding of cursus\nSolliciteren"}),
            (QuestionKind.DATE, "Wanneer zet je die eerste stap?", {}),
            (QuestionKind.LONG_TEXT, "Schrijf je actieplan voor de komende maand op.", {}),
        ],
    ),
    "evaluatie": (
        "Evaluatie van je traject",
        "Kijk terug op het traject: wat heeft het je opgeleverd?",
        [
            (QuestionKind.SCALE, "Hoe waardeer je het traject als geheel?",
             {"scale_min": "1", "scale_max": "10", "min_label": "Slecht", "max_label": "Uitstekend"}),
            (QuestionKind.MULTIPLE_CHOICE, "Wat heeft je het meest geholpen?",
             {"options": "De gesprekken\nDe opdrachten\nDe informatie in het traject\nHet dagboek"}),
            (QuestionKind.LONG_TEXT, "Wat neem je mee voor de toekomst?", {}),
        ],
    ),
    "weekreflectie": (
        "Weekreflectie",
        "Een korte terugblik op je week. Vul hem in voor ons volgende gesprek.",
        [
            (QuestionKind.SCALE, "Hoe kijk je terug op deze week?",
             {"scale_min": "1", "scale_max": "5", "min_label": "Zwaar", "max_label": "Heel goed"}),
            (QuestionKind.LONG_TEXT, "Wat ging goed, en wat wil je volgende week anders doen?", {}),
        ],
    ),
}

TEMPLATE_NAME = "Loopbaanoriëntatie"
TEMPLATE_DESCRIPTION = (
    "Een traject van ongeveer drie maanden voor wie een nieuwe richting in het werk zoekt: "
    "van een eerste verkenning via waarden en drijfveren naar een concreet actieplan."
)
# (kind, title, body (Markdown), exercise key, unlock, days after the start)
TEMPLATE_STEPS: list[tuple[str, str, str, str | None, str, int | None]] = [
    (StepKind.INFO, "Welkom bij je traject",
     ("Fijn dat je begint! In dit traject onderzoeken we samen **wat je wilt** en **wat bij je past**.\n\n"
     "- Je krijgt stap voor stap opdrachten; een volgende stap gaat open als de vorige klaar is.\n"
     "- Je antwoorden worden bewaard terwijl je typt.\n"
     "- Je coach geeft feedback op wat je inlevert.\n\n"
     "Heb je vragen? Stuur je coach een bericht."),
     None, Unlock.ALWAYS, None),
    (StepKind.EXERCISE, "", "", "startpunt", Unlock.ALWAYS, None),
    (StepKind.INFO, "Over waarden en drijfveren",
     ("Waarden zijn de dingen die je belangrijk vindt, ook als niemand kijkt. Werk dat bij je "
     "waarden past, geeft energie; werk dat ertegenin gaat, kost energie.\n\n"
     "In de volgende opdracht zet je je waarden op volgorde. Kies op gevoel: je kunt het later altijd bijstellen."),
     None, Unlock.PREVIOUS, None),
    (StepKind.EXERCISE, "", "", "waarden", Unlock.PREVIOUS, None),
    (StepKind.EXERCISE, "", "", "verkenning", Unlock.PREVIOUS, None),
    (StepKind.INFO, "Halverwege: tussenevaluatie",
     ("Je bent halverwege. Neem je antwoorden tot nu toe nog eens door en bespreek met je coach "
     "wat je opvalt. Past de richting nog bij je?"),
     None, Unlock.DATE, 42),
    (StepKind.EXERCISE, "", "", "evaluatie", Unlock.PREVIOUS, None),
]


# --- small helpers -----------------------------------------------------------------------------


@dataclass
class Demo:
    """The people and library of the demo, as they are made."""

    admin: User
    coaches: dict[str, User]
    clients: dict[str, User]
    exercises: dict[str, Exercise] = field(default_factory=dict)
    today: date = field(default_factory=lambda: utcnow().date())

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def ahead(self, days: int) -> date:
        return self.today + timedelta(days=days)


def _question_form(kind: str, prompt: str, setup: dict[str, Any]) -> MultiDict[str, str]:
    return MultiDict({"kind": kind, "prompt": prompt, **setup})


def _answer_form(question: Question, value: Any) -> MultiDict[str, str]:
    """The form the answer page sends for value (text, number, option(s), date or order)."""
    if isinstance(value, list | tuple):
        return MultiDict([("value", str(v)) for v in value])
    if isinstance(value, date):
        return MultiDict({"value": value.isoformat()})
    return MultiDict({"value": str(value)})


def _questions(assignment: Assignment) -> list[Question]:
    return builder.questions_of(assignment.version)


def _answer(client: User, assignment: Assignment, values: Sequence[Any], submit: bool) -> None:
    """Answer the first len(values) questions as the answer page's autosave does; hand in if asked."""
    for question, value in zip(_questions(assignment), values, strict=False):
        exercises.save_answer(client, assignment, question, _answer_form(question, value), None)
    if submit:
        exercises.submit_assignment(client, assignment)


def _review(coach: User, assignment: Assignment, per_question: Sequence[str | None], overall: str) -> None:
    """Feedback per question (None: none for that one) and overall, marked reviewed."""
    feedback = {q.id: text for q, text in zip(_questions(assignment), per_question, strict=False) if text}
    exercises.save_feedback(coach, assignment, feedback, overall, mark_reviewed=True)


def _assignment(assignment_id: int | None) -> Assignment:
    return db.session.get(Assignment, assignment_id)  # type: ignore[return-value]


# --- building it ---------------------------------------------------------------------------------


def add_people(demo: Demo, password_hash: str) -> None:
    """The second coach and the five other clients, with the shared password's hash."""
    email, first, last = SECOND_COACH
    pieter = accounts.create_user(Role.COACH, email, first, last)
    use_hash(pieter, password_hash)
    demo.coaches["pieter"] = pieter
    for key, (email, first, last, coach_key) in MORE_CLIENTS.items():
        coach = demo.coaches[coach_key]
        details = {"email": email, "first_name": first, "last_name": last, **MORE_DETAILS[key]}
        client = clients.create_client(coach, details, [coach.id])
        use_hash(client, password_hash)
        demo.clients[key] = client


def use_hash(user: User, password_hash: str) -> None:
    """Give user the demo password by its hash (hashed once for every demo account)."""
    user.password_hash = password_hash
    user.password_changed_at = utcnow()


def add_library(demo: Demo) -> ProgrammeTemplate:
    """The exercises (every question type) and the programme template, made by Sanne."""
    sanne = demo.coaches["sanne"]
    for key, (title, instructions, questions) in EXERCISES.items():
        exercise = builder.create_exercise(sanne, title, instructions)
        for kind, prompt, setup in questions:
            builder.add_question(sanne, exercise, _question_form(kind, prompt, setup))
        demo.exercises[key] = exercise
    template = library.create_template(sanne, TEMPLATE_NAME, TEMPLATE_DESCRIPTION)
    for kind, title, body, exercise_key, unlock, offset in TEMPLATE_STEPS:
        library.add_template_step(template, {
            "kind": kind, "title": title, "body": body,
            "exercise_id": demo.exercises[exercise_key].id if exercise_key else None,
            "unlock": unlock, "offset_days": offset,
        })
    return template


def _start(demo: Demo, coach: User, client: User, template: ProgrammeTemplate, starts: date, weeks: int, status: str,
           notes: str | None = None) -> Programme:
    programme = programmes.start_programme(coach, client, {
        "title": TEMPLATE_NAME, "notes": notes, "starts_on": starts,
        "planned_end_on": starts + timedelta(weeks=weeks), "status": status,
    }, template)
    # The client has seen the notices of their programme's exercises long ago.
    notifications.mark_all_read(client)
    return programme


class _Walk:
    """A client going through the steps of their programme in order."""

    def __init__(self, client: User, programme: Programme) -> None:
        self.client = client
        self.programme = programme
        self.steps = programmes.programme_steps(programme)
        self.index = 0

    def read(self) -> None:
        step = self.steps[self.index]
        assert step.kind == StepKind.INFO
        programmes.mark_read(self.client, self.programme, step)
        self.index += 1

    def do(self, values: Sequence[Any], submit: bool = True) -> Assignment:
        step = self.steps[self.index]
        assert step.kind == StepKind.EXERCISE
        assignment = _assignment(step.assignment_id)
        _answer(self.client, assignment, values, submit)
        self.index += 1
        return assignment


def add_jeroen(demo: Demo, template: ProgrammeTemplate) -> None:
    """Finished: every step done and reviewed, an evaluation report, goals reached."""
    sanne, jeroen = demo.coaches["sanne"], demo.clients["jeroen"]
    programme = _start(demo, sanne, jeroen, template, demo.ago(120), 14, ProgrammeStatus.ACTIVE,
                       "Werkgever betaalt het traject; eindverslag naar Jeroen zelf.")
    walk = _Walk(jeroen, programme)
    walk.read()
    first = walk.do(["Teamleider klantenservice",
                     "Weten of ik door wil groeien in leidinggeven of terug wil naar inhoudelijk werk.",
                     5, demo.ago(60)])
    _review(sanne, first, [None, "Mooi scherp geformuleerd. Daar gaan we de komende weken mee aan de slag.", None, None],
            "Een goed begin, Jeroen. In het volgende gesprek kijken we naar je 5 voor tevredenheid.")
    walk.read()
    values = walk.do([["Balans werk en privé", "Samenwerken", "Erkenning", "Zekerheid", "Vrijheid", "Creativiteit"],
                      ["Mensen helpen", "Organiseren en plannen"], "In een klein team",
                      "Toen ik een nieuwe collega had ingewerkt die na drie maanden zelf de beste cijfers haalde."])
    _review(sanne, values, ["Samenwerken zo hoog: dat zie je terug in je voorbeeld.", None, None, None],
            "Je waarden passen goed bij een coachende rol.")
    explore = walk.do(["Teamcoach, opleider, HR-adviseur", 4, "Een informatiegesprek", demo.ago(70),
                       "Twee informatiegesprekken plannen (HR en opleidingen), vacatures volgen, cursus coachvaardigheden uitzoeken."])
    _review(sanne, explore, [None, None, None, None, "Concreet en haalbaar. Succes met de gesprekken!"],
            "Heel goed uitgewerkt.")
    walk.read()
    evaluation = walk.do([9, ["De gesprekken", "De opdrachten"],
                          "Dat ik mag kiezen voor wat mij energie geeft. Ik start in januari als opleider binnen ons bedrijf."])
    _review(sanne, evaluation, [None, None, "Wat een mooie stap. Veel succes als opleider!"],
            "Dank je wel voor je inzet en openheid in dit traject.")
    programmes.update_programme(sanne, programme, {"status": ProgrammeStatus.FINISHED})
    for when, minutes, kind, visibility, text in (
        (demo.ago(118), 60, SessionKind.INTAKE, Visibility.SHARED,
         ("Kennismaking. Jeroen werkt 8 jaar als teamleider en twijfelt of hij verder wil in leidinggeven. "
         "Afgesproken: traject Loopbaanoriëntatie, eens per drie weken een gesprek.")),
        (demo.ago(75), 45, SessionKind.COACHING, Visibility.PRIVATE,
         "Waarden besproken. Energie zit in het ontwikkelen van mensen, niet in roosters en targets."),
        (demo.ago(10), 60, SessionKind.EVALUATION, Visibility.SHARED,
         "Eindgesprek. Jeroen heeft gekozen voor de rol van opleider en start in januari. Traject afgerond."),
    ):
        reports.create_report(sanne, jeroen, {"session_date": when, "duration_minutes": minutes, "kind": kind,
                                              "visibility": visibility, "text": text})
    for title, status in (("Kiezen tussen leidinggeven en inhoudelijk werk", GoalStatus.REACHED),
                          ("Twee informatiegesprekken voeren", GoalStatus.REACHED)):
        goals.create_goal(sanne, jeroen, {"title": title, "status": status, "target_date": demo.ago(30)})
    entry = journal.create_entry(jeroen, {"entry_date": demo.ago(40), "mood": 5,
                                          "text": "Het informatiegesprek bij opleidingen was precies wat ik zocht."})
    journal.set_shared(jeroen, entry, True)
    messages.send(jeroen, jeroen, "Bedankt voor de fijne begeleiding, Sanne!")
    messages.read_thread(sanne, jeroen)
    messages.send(sanne, jeroen, "Graag gedaan, Jeroen. Veel succes in je nieuwe rol!")
    messages.read_thread(jeroen, jeroen)
    notifications.mark_all_read(jeroen)


def add_fatima(demo: Demo, template: ProgrammeTemplate) -> None:
    """Intake: the programme is set up and starts next week; a private intake report."""
    sanne, fatima = demo.coaches["sanne"], demo.clients["fatima"]
    _start(demo, sanne, fatima, template, demo.ahead(7), 12, ProgrammeStatus.INTAKE,
           "Wacht op akkoord van het UWV voor de start.")
    reports.create_report(sanne, fatima, {
        "session_date": demo.ago(2), "duration_minutes": 60, "kind": SessionKind.INTAKE,
        "visibility": Visibility.PRIVATE,
        "text": "Intakegesprek. Fatima heeft een achtergrond in de administratie en wil graag meer met mensen werken. "
                "Ze is gemotiveerd; start na akkoord van het UWV.",
    })
    goals.create_goal(sanne, fatima, {"title": "Helder krijgen welk werk bij me past", "status": GoalStatus.OPEN,
                                      "target_date": demo.ahead(90)})
    messages.send(sanne, fatima, "Welkom, Fatima! Volgende week gaat je traject van start. Je kunt alvast rondkijken.")


def add_lotte(demo: Demo, template: ProgrammeTemplate) -> None:
    """Waiting for review: the first exercise is handed in, and she sent a message."""
    sanne, lotte = demo.coaches["sanne"], demo.clients["lotte"]
    programme = _start(demo, sanne, lotte, template, demo.ago(14), 12, ProgrammeStatus.ACTIVE)
    reports.create_report(sanne, lotte, {
        "session_date": demo.ago(14), "duration_minutes": 60, "kind": SessionKind.INTAKE,
        "visibility": Visibility.SHARED,
        "text": "Kennismaking. Lotte heeft net haar master bestuurskunde afgerond en weet nog niet welke kant ze op wil.",
    })
    goals.create_goal(lotte, lotte, {"title": "Een eerste baan vinden die bij me past", "status": GoalStatus.IN_PROGRESS,
                                     "target_date": demo.ahead(120)})
    walk = _Walk(lotte, programme)
    walk.read()
    walk.do(["Net afgestudeerd (master bestuurskunde)",
             "Weten in welke sector ik wil beginnen: overheid, onderwijs of een adviesbureau.",
             6, demo.ahead(60)])
    messages.send(lotte, lotte, "Hoi Sanne, ik heb de eerste opdracht ingeleverd. Ik ben benieuwd wat je ervan vindt!")


def add_noor(demo: Demo, template: ProgrammeTemplate) -> None:
    """Pieter's client, mid-programme: first exercise reviewed, the second handed in."""
    pieter, noor = demo.coaches["pieter"], demo.clients["noor"]
    programme = _start(demo, pieter, noor, template, demo.ago(30), 12, ProgrammeStatus.ACTIVE)
    walk = _Walk(noor, programme)
    walk.read()
    first = walk.do(["Verpleegkundige (tot vijf jaar geleden)",
                     "Weer aan het werk, in of naast de zorg, in een baan die past bij mijn gezin.",
                     4, demo.ahead(45)])
    _review(pieter, first, ["Vijf jaar ervaring telt mee, ook al is het even geleden.", None, None, None],
            "Duidelijk beeld, Noor. We gaan kijken wat er in de zorg verandert is.")
    walk.read()
    walk.do([["Balans werk en privé", "Zekerheid", "Samenwerken", "Erkenning", "Creativiteit", "Vrijheid"],
             ["Mensen helpen", "Lesgeven of uitleggen"], "In een klein team",
             "Toen ik een jonge collega leerde hoe je met een moeilijk gesprek omgaat."])
    reports.create_report(pieter, noor, {
        "session_date": demo.ago(30), "duration_minutes": 60, "kind": SessionKind.INTAKE,
        "visibility": Visibility.SHARED,
        "text": "Intake. Noor wil na vijf jaar thuis weer aan het werk; liefst parttime en dicht bij huis.",
    })
    goals.create_goal(noor, noor, {"title": "Herregistratie BIG uitzoeken", "status": GoalStatus.OPEN,
                                   "target_date": demo.ahead(30)})


def add_bram(demo: Demo, template: ProgrammeTemplate) -> None:
    """Pieter's client, just started; his week reflection is overdue."""
    pieter, bram = demo.coaches["pieter"], demo.clients["bram"]
    programme = _start(demo, pieter, bram, template, demo.ago(5), 12, ProgrammeStatus.ACTIVE)
    walk = _Walk(bram, programme)
    walk.read()
    walk.do(["Monteur installatietechniek"], submit=False)
    exercises.assign_exercise(pieter, bram, demo.exercises["weekreflectie"].id, demo.ago(1))


def add_daan(demo: Demo, template: ProgrammeTemplate) -> None:
    """client@demo.test: Sanne's active client with things to do, feedback, an unread message, goals."""
    sanne, daan = demo.coaches["sanne"], demo.clients["daan"]
    programme = _start(demo, sanne, daan, template, demo.ago(21), 12, ProgrammeStatus.ACTIVE,
                       "Daan wil eerst breed verkennen; let op zijn neiging alles tegelijk te willen.")
    reports.create_report(sanne, daan, {
        "session_date": demo.ago(21), "duration_minutes": 60, "kind": SessionKind.INTAKE,
        "visibility": Visibility.SHARED,
        "text": "Kennismaking en intake. Daan werkt tien jaar als planner in de logistiek en mist uitdaging. "
                "Afgesproken: het traject Loopbaanoriëntatie, gesprekken om de twee weken.",
    })
    walk = _Walk(daan, programme)
    walk.read()
    journal.create_entry(daan, {"entry_date": demo.ago(20), "mood": 3,
                                "text": "Eerste gesprek gehad. Spannend om hardop te zeggen dat ik iets anders wil."})
    first = walk.do(["Planner logistiek",
                     "Ik wil weten welk werk me weer energie geeft, en een concrete eerste stap zetten.",
                     5, demo.ahead(70)])
    shared = journal.create_entry(daan, {
        "entry_date": demo.ago(12), "mood": 4,
        "text": "De opdracht over waar ik nu sta liet me zien dat ik vooral het contact met chauffeurs en klanten mis.",
    })
    journal.set_shared(daan, shared, True)
    coaching = reports.create_report(sanne, daan, {
        "session_date": demo.ago(7), "duration_minutes": 45, "kind": SessionKind.COACHING,
        "visibility": Visibility.SHARED,
        "text": "Startpunt besproken. Daan scoort zijn tevredenheid met een 5; vooral het gebrek aan contact weegt.",
    })
    # A second version: Sanne added the agreements afterwards.
    reports.update_report(sanne, coaching, {
        "session_date": coaching.session_date, "duration_minutes": 50, "kind": coaching.kind,
        "visibility": coaching.visibility,
        "text": coaching.text + "\n\nAfspraak: Daan maakt de opdracht over waarden en drijfveren voor ons volgende gesprek.",
    })
    reports.create_report(sanne, daan, {
        "session_date": demo.ago(7), "duration_minutes": 15, "kind": SessionKind.OTHER,
        "visibility": Visibility.PRIVATE,
        "text": "Eigen aantekening: Daan lijkt op te bloeien bij klantcontact; rollen als accountmanager of "
                "teamleider verkennen. Nog niet met hem besproken.",
    })
    for title, description, status, target in (
        ("Een duidelijke beroepsrichting kiezen", "Aan het eind van het traject weet ik welke kant ik op wil.",
         GoalStatus.IN_PROGRESS, demo.ahead(70)),
        ("Twee informatiegesprekken voeren", "Met mensen die werken in een richting die me aanspreekt.",
         GoalStatus.OPEN, demo.ahead(35)),
        ("Mijn cv bijwerken", None, GoalStatus.REACHED, demo.ago(5)),
        ("Omscholing tot programmeur onderzoeken", "Na de waardenopdracht past dit toch niet bij me.",
         GoalStatus.DROPPED, None),
    ):
        goals.create_goal(daan if status == GoalStatus.REACHED else sanne, daan,
                          {"title": title, "description": description, "status": status, "target_date": target})
    documents.store_document(daan, daan, "cv-daan-de-boer.pdf", sample_pdf())
    journal.create_entry(daan, {"entry_date": demo.ago(3), "mood": 4,
                                "text": f"{JOURNAL_MARKER}: misschien past een rol met meer klantcontact beter bij me dan plannen."})
    messages.send(sanne, daan, "Hoi Daan, fijn gesprek vandaag. Je vindt het verslag bij je gespreksverslagen.")
    messages.read_thread(daan, daan)
    messages.send(daan, daan, "Dank je! Ik begin deze week aan de opdracht over waarden.")
    messages.read_thread(sanne, daan)
    notifications.mark_all_read(sanne)
    notifications.mark_all_read(daan)
    # Now: Daan is halfway through the values exercise (saved, not handed in) ...
    walk.read()
    walk.do([["Vrijheid", "Samenwerken", "Creativiteit", "Erkenning", "Balans werk en privé", "Zekerheid"],
             ["Mensen helpen", "Problemen oplossen"]], submit=False)
    # ... and has new things: feedback on the first exercise, a reflection to do, and a message.
    _review(sanne, first, [
        "Helder. Zegt je functietitel ook iets over wat je het leukst vindt aan je werk?",
        "Mooi dat je ook een concrete stap noemt: daar houden we je aan!",
        "Een 5: laten we in het volgende gesprek uitzoeken wat er nodig is voor een 8.",
        None,
    ], "Goed begin, Daan. Je antwoorden geven een duidelijk startpunt voor de volgende stappen.")
    exercises.assign_exercise(sanne, daan, demo.exercises["weekreflectie"].id, demo.ahead(4))
    messages.send(sanne, daan, "Ik heb feedback gegeven op je eerste opdracht. Zullen we volgende week dinsdag om 10:00 afspreken?")


def fill(demo: Demo, password_hash: str) -> int:
    """Everything of the demo beyond its three personas; returns how many more accounts it made."""
    add_people(demo, password_hash)
    for client in demo.clients.values():  # every demo client has read and accepted the consent text
        consent.give_consent(client, ConsentHow.WEB, client)
    people = [demo.admin, *demo.coaches.values(), *demo.clients.values()]
    # No demo mail: notify() queues an e-mail for everyone with e-mail notifications on, and
    # send_after_commit would deliver it when reset_demo commits. With the switch off while the
    # content is made, nobody is mailed (the notices still appear in the app, as they should);
    # the switch is back on before the commit, so the demo behaves like a real practice after.
    for person in people:
        person.email_notifications = False
    template = add_library(demo)
    add_jeroen(demo, template)
    add_fatima(demo, template)
    add_noor(demo, template)
    add_bram(demo, template)
    add_daan(demo, template)
    add_lotte(demo, template)  # last: Sanne's newest notices are Lotte's hand-in and message
    add_privacy(demo)
    for person in people:
        person.email_notifications = True
    return 1 + len(MORE_CLIENTS)


# --- privacy: the practice's details on its privacy page, and its processors ----------------------

PRIVACY_SETTINGS = {
    "legal_name": "Demopraktijk Koers B.V.",
    "address": "Voorbeeldstraat 1\n3511 AA Utrecht",
    "coc_number": "00000000",
    "contact_email": "info@demo.test",
    "officer_name": "Ilse Bakker",
    "officer_email": "privacy@demo.test",
    "officer_phone": "030 000 00 00",
    "dossier_retention_months": 24,
}
PROCESSORS = [
    {"name": "Koers Hosting (voorbeeld)", "purpose": "Beheer en hosting van Koers en de gegevens van de praktijk",
     "location": "Nederland", "agreement_date": date(2024, 1, 15), "note": None},
    {"name": "Voorbeeld Mail B.V.", "purpose": "Versturen van de meldingsmails (zonder inhoud)",
     "location": "Europese Unie (Ierland)", "agreement_date": date(2024, 2, 1), "note": None},
]


def add_privacy(demo: Demo) -> None:
    """The practice's privacy settings and two processors, as its admin fills them in."""
    privacy.update_privacy_settings(demo.admin, PRIVACY_SETTINGS)
    for processor in PROCESSORS:
        privacy.add_processor(demo.admin, processor)


# --- the sample document ------------------------------------------------------------------------


def sample_pdf(lines: Iterable[str] = (
    "Curriculum vitae (voorbeeld)",
    "Daan de Boer - demo-account van Koers",
    "",
    "2015 - heden   Planner logistiek",
    "2012 - 2015    Medewerker klantenservice",
    "Opleiding      HBO Logistiek Management",
)) -> bytes:
    """A minimal, valid one-page PDF with these lines of (ASCII) text in Helvetica."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 12 Tf", "16 TL", "72 770 Td"]
    for line in lines:
        ops.append(f"({escape(line)}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
