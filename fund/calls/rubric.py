"""The default scoring rubric (DOMAIN.md), copied into each new call for its fund."""


#: title, description, plan reference, goals (kind, number), weights per fund, allow N/A
DEFAULT_CRITERIA = [
    {
        "title": "Strategisk treff med innsatsområder og tiltak",
        "description": "Hvor godt prosjektet treffer handlingsplanens innsatsområder, "
                       "strategier og tiltak.",
        "goals": [("main", 1), ("main", 2), ("main", 3)],
        "weights": {"naeringsfond": 20, "klimafond": 15},
    },
    {
        "title": "Bærekraft, klima- og miljøeffekt",
        "description": "Forventet effekt på klima og miljø, og bidrag til bærekraftig vekst.",
        "goals": [("main", 1), ("main", 2)],
        "weights": {"naeringsfond": 15, "klimafond": 35},
    },
    {
        "title": "Innovasjon og nyskaping",
        "description": "Nye produkter, tjenester, prosesser eller virksomheter.",
        "goals": [("main", 3)],
        "weights": {"naeringsfond": 15, "klimafond": 10},
    },
    {
        "title": "Kunnskapsintensive arbeidsplasser og kompetanse",
        "description": "Nye kunnskapsintensive arbeidsplasser, kompetanseheving og "
                       "samarbeid med utdanningsinstitusjoner.",
        "goals": [("effect", 1), ("effect", 3), ("main", 4), ("main", 5)],
        "weights": {"naeringsfond": 15, "klimafond": 5},
    },
    {
        "title": "Samarbeid og ringvirkninger i kommunen",
        "description": "Samarbeid mellom virksomheter og ringvirkninger i hele kommunen.",
        "goals": [("main", 1), ("main", 7)],
        "weights": {"naeringsfond": 10, "klimafond": 10},
    },
    {
        "title": "Internasjonal relevans og omdømme",
        "description": "Internasjonalt samarbeid og bidrag til Lillestrøms omdømme.",
        "goals": [("main", 2), ("main", 6), ("effect", 2)],
        "weights": {"naeringsfond": 5, "klimafond": 5},
        "allow_na": True,
    },
    {
        "title": "Gjennomføringsevne: team, plan og målbare mål",
        "description": "Kompetanse i prosjektgruppen, realistisk plan og etterprøvbare mål.",
        "goals": [],
        "weights": {"naeringsfond": 10, "klimafond": 10},
    },
    {
        "title": "Realistisk budsjett og finansiering",
        "description": "Kostnadsplan og finansieringsplan henger sammen og er realistiske.",
        "goals": [],
        "weights": {"naeringsfond": 10, "klimafond": 10},
    },
]
