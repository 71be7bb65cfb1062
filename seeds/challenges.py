"""The demo challenges: what each sponsor asks, what teams deliver, what they win, which data they use.

Sponsor companies are fictional (LogiSeine, Watt&Ville Énergies); city departments and public bodies
are named as they name themselves. `datasets` lists catalogue keys, the first one is the primary.
"""

from __future__ import annotations

from dataclasses import dataclass

from events.models import ChallengeStatus

VILLE_DE_PARIS_DEVE = "Ville de Paris – Direction des Espaces Verts et de l'Environnement"
VILLE_DE_PARIS_DVD = "Ville de Paris – Direction de la Voirie et des Déplacements"
VILLE_DE_PARIS_DCPA = "Ville de Paris – Direction des Constructions Publiques et de l'Architecture"


@dataclass(frozen=True)
class ChallengeSpec:
    slug: str
    title: str
    sponsors: tuple[str, ...]
    statement: str
    deliverables: str
    prizes: str
    max_teams: int | None
    datasets: tuple[str, ...]  # catalogue keys, primary first
    status: ChallengeStatus = ChallengeStatus.PUBLISHED
    owners: tuple[str, ...] = ()  # emails of demo accounts
    proposed_by: str = ""  # email of a demo account


PARIS_DELIVERABLES = """\
- Au dépôt de candidature : une note de 2 pages (problème, solution, données utilisées) et l'équipe.
- À la fin de l'expérimentation : un prototype testable, le code source publié sous licence libre,
  une vidéo de démonstration de 3 minutes et un bilan chiffré de l'expérimentation.
"""

PARIS_CHALLENGES: tuple[ChallengeSpec, ...] = (
    ChallengeSpec(
        slug="ilots-de-chaleur-cours-ecole",
        title="Réduire les îlots de chaleur dans les cours d'école",
        sponsors=(VILLE_DE_PARIS_DEVE,),
        owners=("sponsor@demo.hackcity.fr",),
        statement="""\
## Le contexte

Paris compte plus de 760 cours d'école. Bitumées, elles dépassent 50 °C en surface lors des canicules.
Depuis 2018, le programme **cours Oasis** les désimperméabilise, les végétalise et y installe des points
d'eau : plus de 150 cours sont déjà transformées.

## Le défi

Comment **choisir les prochaines cours à transformer** et **mesurer l'effet** des travaux déjà faits ?
La Ville cherche un outil qui croise la chaleur mesurée, la canopée existante, les usages de la cour
(ouverture le samedi aux riverains) et la vulnérabilité du quartier.

## Ce que nous apportons

- les relevés de température de 12 cours équipées de capteurs pendant l'été 2025 ;
- l'accès aux agents de la DEVE et à deux directeurs d'école volontaires ;
- trois cours pour tester le prototype au printemps.
""",
        deliverables=PARIS_DELIVERABLES
        + "- Une carte des cours classées par priorité, reproductible à partir des données ouvertes.\n",
        prizes="""\
- Expérimentation rémunérée de 6 mois (jusqu'à 40 000 € HT) avec la Direction des Espaces Verts.
- Présentation du prototype au comité de pilotage du Plan Climat.
""",
        max_teams=3,
        datasets=("ilots-fraicheur", "releves-cours-oasis", "arbres"),
    ),
    ChallengeSpec(
        slug="livraisons-dernier-kilometre",
        title="Fluidifier les livraisons du dernier kilomètre",
        sponsors=("LogiSeine", VILLE_DE_PARIS_DVD),
        statement="""\
## Le contexte

Chaque jour, près de 500 000 livraisons et enlèvements ont lieu dans Paris. Faute d'aire libre,
les livreurs s'arrêtent souvent en double file, ce qui gêne bus et cyclistes.
**LogiSeine**, opérateur de livraison urbaine, partage pour le programme les arrêts anonymisés de
180 tournées quotidiennes.

## Le défi

Aider les livreurs à **trouver une aire de livraison libre** et aider la Ville à **placer les aires
là où elles servent**. Pistes possibles : prévision d'occupation des aires, réservation de créneaux,
optimisation des tournées, mutualisation entre transporteurs.

## Contraintes

Les données de tournées sont en **accès restreint** : l'équipe doit en accepter les conditions
avant de les télécharger, et ne publier que des résultats agrégés.
""",
        deliverables=PARIS_DELIVERABLES,
        prizes="""\
- Contrat pilote avec LogiSeine sur deux arrondissements (30 000 € HT).
- Accompagnement par la Direction de la Voirie et des Déplacements pour tester sur la voie publique.
""",
        max_teams=3,
        datasets=("stationnement", "tournees-logiseine", "comptages-routiers", "ban"),
    ),
    ChallengeSpec(
        slug="energie-batiments-publics",
        title="Piloter la consommation énergétique des bâtiments publics",
        sponsors=("Watt&Ville Énergies", VILLE_DE_PARIS_DCPA),
        statement="""\
## Le contexte

Les écoles, gymnases, piscines et bureaux de la Ville représentent l'essentiel de sa consommation
d'énergie. Le décret tertiaire impose de la réduire de 40 % d'ici 2030.
**Watt&Ville Énergies**, fournisseur et gestionnaire de réseaux de chaleur, s'associe à la Ville
pour ce défi.

## Le défi

Donner aux gestionnaires de bâtiments un **tableau de bord** qui repère les dérives de consommation,
compare les bâtiments semblables et chiffre le gain des travaux de rénovation.

## Bon à savoir

Le jeu historique des consommations des équipements municipaux a été retiré du portail de la Ville :
la copie du catalogue reste consultable, une nouvelle publication est prévue.
""",
        deliverables=PARIS_DELIVERABLES + "- Une méthode documentée de comparaison entre bâtiments.\n",
        prizes="- Expérimentation de 6 mois sur 20 bâtiments pilotes (45 000 € HT).\n",
        max_teams=2,
        datasets=("enedis-adresse", "dpe", "conso-batiments-municipaux", "ban"),
    ),
    ChallengeSpec(
        slug="flux-touristiques",
        title="Mieux répartir les flux touristiques",
        sponsors=("Paris je t'aime – Office du tourisme et des congrès",),
        statement="""\
## Le contexte

Paris accueille près de 50 millions de visiteurs par an, concentrés sur une poignée de sites.
Files d'attente, gêne des riverains, quartiers délaissés : l'Office du tourisme veut **faire découvrir
d'autres lieux et d'autres horaires**.

## Le défi

Imaginer un service qui **oriente les visiteurs** vers des sites, des événements et des quartiers moins
fréquentés, au bon moment, en tenant compte de l'accessibilité et de la météo.

## Ce que nous apportons

Des échanges avec les équipes d'accueil de l'Office et un test auprès des visiteurs des bureaux d'accueil.
""",
        deliverables=PARIS_DELIVERABLES,
        prizes="""\
- Mise en avant du service sur parisjetaime.com pendant un an.
- Prix de 10 000 € pour l'équipe lauréate.
""",
        max_teams=4,
        datasets=("que-faire", "frequentation-sites", "comptage-velo"),
    ),
    ChallengeSpec(
        slug="velo-au-quotidien",
        title="Sécuriser les trajets à vélo du quotidien",
        sponsors=(VILLE_DE_PARIS_DVD,),
        statement="""\
## Le contexte

La fréquentation des pistes cyclables parisiennes a plus que doublé depuis 2019. Les carrefours
restent les lieux de la plupart des accidents impliquant des cyclistes.

## Le défi

Repérer les **carrefours et itinéraires à risque** en croisant comptages et accidents, puis proposer
aux cyclistes des itinéraires plus sûrs et à la Ville une liste d'aménagements prioritaires.
""",
        deliverables=PARIS_DELIVERABLES,
        prizes="- Expérimentation de 4 mois avec la Direction de la Voirie (25 000 € HT).\n",
        max_teams=3,
        datasets=("comptage-velo", "accidents", "comptages-routiers"),
    ),
    ChallengeSpec(
        slug="bornes-recharge-disponibles",
        title="Trouver une borne de recharge libre",
        sponsors=(),
        status=ChallengeStatus.PROPOSED,
        proposed_by="equipe-a@demo.hackcity.fr",
        statement="""\
Les conducteurs de véhicules électriques tournent longtemps avant de trouver une borne libre et en
état de marche. Nous proposons de prévoir la disponibilité des bornes à partir de leurs historiques.
""",
        deliverables="",
        prizes="",
        max_teams=None,
        datasets=(),
    ),
)

LYON_DELIVERABLES = """\
- Le code source dans un dépôt public, sous licence libre.
- Une démonstration en ligne ou une vidéo de 2 minutes.
- Un pitch de 5 minutes devant le jury le dimanche à 16 h.
"""

LYON_CHALLENGES: tuple[ChallengeSpec, ...] = (
    ChallengeSpec(
        slug="prevoir-disponibilite-velov",
        title="Prévoir la disponibilité des Vélo'v",
        sponsors=("Métropole de Lyon",),
        statement="""\
Station vide au départ, station pleine à l'arrivée : c'est la première plainte des usagers de Vélo'v.
**Prévoir** le nombre de vélos et de places libres dans les 30 prochaines minutes, et le montrer
simplement, sur le trajet.
""",
        deliverables=LYON_DELIVERABLES,
        prizes="- 3 000 € et un rendez-vous avec le service Mobilités de la Métropole.\n",
        max_teams=8,
        datasets=("velov", "amenagements-cyclables"),
    ),
    ChallengeSpec(
        slug="covoiturage-domicile-travail",
        title="Faciliter le covoiturage domicile-travail",
        sponsors=("Métropole de Lyon",),
        statement="""\
Plus de 80 % des trajets domicile-travail vers les zones d'activité de l'Est lyonnais se font seul en
voiture. Comment **mettre en relation** les covoitureurs et **signaler les aires** où se retrouver ?
""",
        deliverables=LYON_DELIVERABLES,
        prizes="- 2 000 € et une mise en relation avec les plans de mobilité employeurs.\n",
        max_teams=6,
        datasets=("registre-covoiturage", "bnlc"),
    ),
    ChallengeSpec(
        slug="correspondances-part-dieu",
        title="Fluidifier les correspondances à Part-Dieu",
        sponsors=("Sytral Mobilités",),
        statement="""\
Part-Dieu est la première gare de correspondance de France hors Paris. Aider les voyageurs à
**passer du train au tram, au métro ou au bus** sans se perdre, y compris en fauteuil roulant.
""",
        deliverables=LYON_DELIVERABLES,
        prizes="- 2 000 € et un test en gare avec les équipes de Sytral Mobilités.\n",
        max_teams=6,
        datasets=("arrets-tcl", "frequentation-gares"),
    ),
)
