"""The demo dataset catalogues: DataCity Paris 2026 and the Lyon mobility hackathon.

Titles, publishers, licences and hosts are those of real French portals (opendata.paris.fr and
data.enedis.fr run Opendatasoft, data.gouv.fr runs udata, trouver.datasud.fr runs CKAN), the Lyon
catalogue is shown CKAN-style. The URLs are examples on those hosts: the demo never fetches them.
Sponsor companies are fictional and their files live on `.example` hosts.
"""

from __future__ import annotations

from events.models import PortalKind
from seeds.portals import DatasetSpec, FileSpec

ODS = PortalKind.OPENDATASOFT
UDATA = PortalKind.UDATA
CKAN = PortalKind.CKAN
MANUAL = PortalKind.MANUAL

PARIS_ODS = "https://opendata.paris.fr"
ENEDIS_ODS = "https://data.enedis.fr"
SNCF_ODS = "https://ressources.data.sncf.com"
DATA_GOUV = "https://www.data.gouv.fr"
DATASUD = "https://trouver.datasud.fr"
GRAND_LYON = "https://data.grandlyon.com"
MB = 1_000_000

PARIS_CATALOGUE: tuple[DatasetSpec, ...] = (
    DatasetSpec(
        key="arbres",
        kind=ODS,
        portal_url=PARIS_ODS,
        display_id="les-arbres",
        title="Les arbres",
        description="Arbres d'alignement, arbres des parcs, jardins, cimetières et équipements municipaux "
        "gérés par la Ville de Paris : espèce, genre, hauteur, circonférence, stade de développement "
        "et localisation.\n\nLes arbres des bois de Boulogne et de Vincennes ne sont que partiellement "
        "recensés.",
        publisher="Ville de Paris – Direction des Espaces Verts et de l'Environnement",
        licence="odc-odbl",
        frequency="weekly",
        modified_days_ago=3,
        keywords=("arbre", "patrimoine arboré", "végétalisation", "nature en ville"),
        theme="Environnement",
        records=210_000,
        fields=(
            ("idbase", "IDBASE", "int"),
            ("libellefrancais", "Libellé français", "text"),
            ("genre", "Genre", "text"),
            ("hauteurenm", "Hauteur (m)", "int"),
            ("circonferenceencm", "Circonférence (cm)", "int"),
            ("geo_point_2d", "geo_point_2d", "geo_point_2d"),
        ),
    ),
    DatasetSpec(
        key="ilots-fraicheur",
        kind=ODS,
        portal_url=PARIS_ODS,
        display_id="ilots-de-fraicheur-espaces-verts-frais",
        title="Îlots de fraîcheur – espaces verts frais",
        description="Parcs, jardins, squares et cours Oasis ouverts au public et identifiés comme "
        "îlots de fraîcheur lors des épisodes de forte chaleur, avec leurs horaires d'ouverture "
        "en période de canicule.",
        publisher="Ville de Paris – Direction des Espaces Verts et de l'Environnement",
        licence="odc-odbl",
        frequency="monthly",
        modified_days_ago=26,
        keywords=("canicule", "îlot de fraîcheur", "espaces verts", "adaptation"),
        theme="Environnement",
        records=1_050,
        fields=(
            ("identifiant", "Identifiant", "text"),
            ("nom", "Nom", "text"),
            ("type", "Type", "text"),
            ("ouvert_24h", "Ouvert 24h/24", "text"),
            ("geo_shape", "Géométrie", "geo_shape"),
        ),
    ),
    DatasetSpec(
        key="comptage-velo",
        kind=ODS,
        portal_url=PARIS_ODS,
        display_id="comptage-velo-donnees-compteurs",
        title="Comptage vélo – Données compteurs",
        description="Comptages horaires de vélos par compteur et localisation des sites de comptage, "
        "sur 13 mois glissants.\n\nLes compteurs sont installés sur les pistes cyclables et certains "
        "couloirs de bus ouverts aux vélos.",
        publisher="Ville de Paris – Direction de la Voirie et des Déplacements",
        licence="odc-odbl",
        frequency="daily",
        modified_days_ago=1,
        keywords=("vélo", "comptage", "mobilité", "pistes cyclables"),
        theme="Mobilité et Transport",
        records=940_000,
        pasted="api",
        fields=(
            ("id_compteur", "Identifiant du compteur", "text"),
            ("nom_compteur", "Nom du compteur", "text"),
            ("sum_counts", "Comptage horaire", "int"),
            ("date", "Date et heure de comptage", "datetime"),
            ("coordinates", "Coordonnées géographiques", "geo_point_2d"),
        ),
    ),
    DatasetSpec(
        key="comptages-routiers",
        kind=ODS,
        portal_url=PARIS_ODS,
        display_id="comptages-routiers-permanents",
        title="Comptages routiers permanents",
        description="Débits horaires et taux d'occupation mesurés par les boucles électromagnétiques "
        "du réseau routier parisien, sur 13 mois glissants, avec l'état du trafic "
        "(fluide, pré-saturé, saturé, bloqué).",
        publisher="Ville de Paris – Direction de la Voirie et des Déplacements",
        licence="odc-odbl",
        frequency="daily",
        modified_days_ago=1,
        keywords=("trafic", "comptage", "circulation", "voirie"),
        theme="Mobilité et Transport",
        records=36_000_000,
        fields=(
            ("iu_ac", "Identifiant arc", "text"),
            ("libelle", "Libellé", "text"),
            ("t_1h", "Date et heure", "datetime"),
            ("q", "Débit horaire", "double"),
            ("k", "Taux d'occupation", "double"),
            ("etat_trafic", "État trafic", "text"),
        ),
    ),
    DatasetSpec(
        key="stationnement",
        kind=ODS,
        portal_url=PARIS_ODS,
        display_id="stationnement-voie-publique-emplacements",
        title="Stationnement sur voie publique – emplacements",
        description="Emplacements de stationnement sur la voie publique : payant, résidentiel, "
        "livraison, deux-roues, personnes à mobilité réduite, avec leur régime et leur nombre "
        "de places.",
        publisher="Ville de Paris – Direction de la Voirie et des Déplacements",
        licence="odc-odbl",
        frequency="monthly",
        modified_days_ago=17,
        keywords=("stationnement", "livraison", "voirie", "logistique urbaine"),
        theme="Mobilité et Transport",
        records=95_000,
        fields=(
            ("regpri", "Régime prioritaire", "text"),
            ("regpar", "Régime particulier", "text"),
            ("plarel", "Nombre de places réelles", "int"),
            ("arrond", "Arrondissement", "int"),
            ("geo_shape", "Géométrie", "geo_shape"),
        ),
    ),
    DatasetSpec(
        key="que-faire",
        kind=ODS,
        portal_url=PARIS_ODS,
        display_id="que-faire-a-paris-",
        title="Que faire à Paris ?",
        description="Les événements, expositions, concerts et sorties publiés sur l'agenda "
        "« Que faire à Paris ? », avec lieu, dates, tarifs et accessibilité.",
        publisher="Ville de Paris – Direction de l'Information et de la Communication",
        licence="odc-odbl",
        frequency="daily",
        modified_days_ago=0,
        keywords=("agenda", "culture", "sorties", "tourisme"),
        theme="Culture, Patrimoine",
        records=4_600,
        fields=(
            ("id", "ID", "text"),
            ("title", "Titre", "text"),
            ("date_start", "Date de début", "datetime"),
            ("address_zipcode", "Code postal", "text"),
            ("lat_lon", "Coordonnées géographiques", "geo_point_2d"),
        ),
    ),
    DatasetSpec(
        key="conso-batiments-municipaux",
        kind=ODS,
        portal_url=PARIS_ODS,
        display_id="consommations-energetiques-des-equipements-municipaux",
        title="Consommations énergétiques des équipements municipaux (2012-2019)",
        description="Consommations annuelles d'électricité, de gaz et de chaleur des écoles, "
        "gymnases, piscines et bâtiments administratifs de la Ville de Paris.\n\nCe jeu a été retiré "
        "du portail : la Ville prépare une nouvelle publication.",
        publisher="Ville de Paris – Direction des Constructions Publiques et de l'Architecture",
        licence="odc-odbl",
        frequency="annual",
        modified_days_ago=480,
        keywords=("énergie", "bâtiments publics", "consommation"),
        theme="Environnement",
        records=8_900,
        gone=True,
        fields=(
            ("code_equipement", "Code équipement", "text"),
            ("type_equipement", "Type", "text"),
            ("annee", "Année", "int"),
            ("energie", "Énergie", "text"),
            ("consommation_kwh", "Consommation (kWh)", "double"),
        ),
    ),
    DatasetSpec(
        key="enedis-adresse",
        kind=ODS,
        portal_url=ENEDIS_ODS,
        display_id="consommation-annuelle-residentielle-par-adresse",
        title="Consommation électrique annuelle par adresse",
        description="Consommation annuelle d'électricité des sites résidentiels par adresse, "
        "agrégée pour respecter le secret statistique (au moins 10 points de livraison), "
        "avec le nombre de logements et la consommation moyenne.",
        publisher="Enedis",
        licence="lov2",
        frequency="annual",
        modified_days_ago=95,
        keywords=("électricité", "consommation", "adresse", "transition énergétique"),
        theme="Consommation",
        records=2_400_000,
        extra={"territory": ["France"]},
        fields=(
            ("annee", "Année", "text"),
            ("adresse", "Adresse", "text"),
            ("code_commune", "Code INSEE de la commune", "text"),
            ("nombre_de_logements", "Nombre de logements", "int"),
            ("consommation_annuelle_totale_de_l_adresse_mwh", "Consommation annuelle totale (MWh)", "double"),
        ),
    ),
    DatasetSpec(
        key="ban",
        kind=UDATA,
        portal_url=DATA_GOUV,
        display_id="base-adresse-nationale",
        title="Base Adresse Nationale",
        description="La Base Adresse Nationale (BAN) est la base de référence des adresses en France : "
        "numéro, voie, code postal, commune et coordonnées de chaque adresse.\n\n"
        "Elle est produite avec les communes, l'IGN et la DINUM.",
        publisher="Base Adresse Nationale",
        licence="lov2",
        frequency="weekly",
        modified_days_ago=4,
        keywords=("adresse", "géocodage", "base-adresse-nationale", "données-de-référence"),
        files=(
            FileSpec(
                "Adresses – France entière (CSV)",
                "CSV",
                "https://adresse.data.gouv.fr/data/ban/adresses/latest/csv/adresses-france.csv.gz",
                1_700 * MB,
            ),
            FileSpec(
                "Adresses – Paris (CSV)",
                "CSV",
                "https://adresse.data.gouv.fr/data/ban/adresses/latest/csv/adresses-75.csv.gz",
                9 * MB,
            ),
        ),
        extra={"org_slug": "base-adresse-nationale", "acronym": "BAN", "granularity": "fr:commune"},
    ),
    DatasetSpec(
        key="dpe",
        kind=UDATA,
        portal_url=DATA_GOUV,
        display_id="dpe-logements-existants-depuis-juillet-2021",
        title="DPE Logements existants (depuis juillet 2021)",
        description="Diagnostics de performance énergétique (DPE) des logements existants réalisés "
        "depuis le 1er juillet 2021 : étiquettes énergie et climat, consommation, surface, "
        "année de construction et adresse.",
        publisher="ADEME",
        licence="lov2",
        frequency="daily",
        modified_days_ago=2,
        keywords=("dpe", "énergie", "logement", "rénovation"),
        pasted="api",
        files=(
            FileSpec(
                "DPE logements existants (CSV)",
                "CSV",
                "https://data.ademe.fr/data-fair/api/v1/datasets/dpe03existant/raw",
                6_800 * MB,
            ),
            FileSpec(
                "Documentation des champs",
                "PDF",
                "https://data.ademe.fr/data-fair/api/v1/datasets/dpe03existant/metadata-attachments/doc.pdf",
                2 * MB,
            ),
        ),
        extra={"org_slug": "ademe", "org_acronym": "ADEME", "granularity": "fr:commune"},
    ),
    DatasetSpec(
        key="accidents",
        kind=UDATA,
        portal_url=DATA_GOUV,
        display_id="bases-de-donnees-annuelles-des-accidents-corporels-de-la-circulation-routiere",
        title="Bases de données annuelles des accidents corporels de la circulation routière",
        description="Pour chaque accident corporel survenu sur une voie ouverte à la circulation "
        "publique : caractéristiques, lieu, véhicules impliqués et usagers.\n\n"
        "Données issues des bulletins d'analyse des accidents corporels (BAAC) remplis par "
        "les forces de l'ordre.",
        publisher="Observatoire national interministériel de la sécurité routière",
        licence="lov2",
        frequency="annual",
        modified_days_ago=110,
        keywords=("accidentologie", "sécurité routière", "vélo", "piétons"),
        files=(
            FileSpec(
                "Caractéristiques 2024",
                "CSV",
                "https://static.data.gouv.fr/resources/accidents-corporels/caract-2024.csv",
                7 * MB,
            ),
            FileSpec(
                "Lieux 2024",
                "CSV",
                "https://static.data.gouv.fr/resources/accidents-corporels/lieux-2024.csv",
                6 * MB,
            ),
            FileSpec(
                "Usagers 2024",
                "CSV",
                "https://static.data.gouv.fr/resources/accidents-corporels/usagers-2024.csv",
                12 * MB,
            ),
        ),
        extra={"org_slug": "onisr", "org_acronym": "ONISR", "granularity": "fr:commune"},
    ),
    DatasetSpec(
        key="frequentation-sites",
        kind=CKAN,
        portal_url=DATASUD,
        display_id="frequentation-des-sites-touristiques",
        title="Fréquentation des sites touristiques",
        description="Nombre annuel de visiteurs des sites, musées et monuments de la région Sud, "
        "par site et par mois.\n\nUtile comme modèle de publication pour les données de fréquentation "
        "des sites parisiens.",
        publisher="Provence-Alpes-Côte d'Azur Tourisme",
        licence="lov2",
        frequency="annual",
        modified_days_ago=140,
        keywords=("tourisme", "fréquentation", "musées", "monuments"),
        files=(
            FileSpec(
                "Fréquentation mensuelle par site (CSV)",
                "CSV",
                "https://trouver.datasud.fr/dataset/frequentation-des-sites-touristiques/resource/frequentation.csv",
                400_000,
            ),
            FileSpec(
                "Fréquentation mensuelle par site (XLSX)",
                "XLSX",
                "https://trouver.datasud.fr/dataset/frequentation-des-sites-touristiques/resource/frequentation.xlsx",
                250_000,
            ),
        ),
        extra={
            "org_name": "provence-alpes-cote-d-azur-tourisme",
            "spatial_uri": "http://id.insee.fr/geo/region/93",
        },
    ),
    DatasetSpec(
        key="releves-cours-oasis",
        kind=MANUAL,
        portal_url="",
        display_id="releves-temperature-cours-oasis-ete-2025",
        title="Relevés de température dans 12 cours d'école (été 2025)",
        description="Températures de l'air et de surface mesurées toutes les 15 minutes par des "
        "capteurs installés dans 12 cours d'école, dont 6 transformées en cours Oasis, "
        "du 15 juin au 15 septembre 2025.\n\nFichier transmis par la Direction des Espaces Verts "
        "et de l'Environnement pour le programme.",
        publisher="Ville de Paris – Direction des Espaces Verts et de l'Environnement",
        licence="lov2",
        frequency="punctual",
        modified_days_ago=150,
        keywords=("température", "cours Oasis", "capteurs"),
        files=(
            FileSpec(
                "Relevés 15 minutes (CSV)",
                "CSV",
                "https://www.paris.fr/datacity-2026/releves-temperature-cours-ecole-ete-2025.csv",
                38 * MB,
            ),
            FileSpec(
                "Emplacement des capteurs (GeoJSON)",
                "GeoJSON",
                "https://www.paris.fr/datacity-2026/capteurs-cours-ecole.geojson",
                40_000,
            ),
        ),
        extra={"landing_url": "https://www.paris.fr/pages/les-cours-oasis-7389"},
    ),
    DatasetSpec(
        key="tournees-logiseine",
        kind=MANUAL,
        portal_url="",
        display_id="tournees-livraison-logiseine-t1-2026",
        title="Tournées de livraison anonymisées (janvier-mars 2026)",
        description="Arrêts de 180 tournées quotidiennes de livraison dans Paris intra-muros : "
        "heure d'arrivée et de départ, type d'arrêt (aire de livraison, double file, trottoir), "
        "nombre de colis, type de véhicule.\n\nLes chauffeurs et les clients sont anonymisés.",
        publisher="LogiSeine",
        licence="",
        licence_title="Conditions de partage LogiSeine (accès restreint)",
        licence_url="https://data.logiseine.example/conditions-datacity-2026.pdf",
        frequency="punctual",
        modified_days_ago=20,
        keywords=("logistique", "livraison", "dernier kilomètre"),
        files=(
            FileSpec(
                "Arrêts des tournées (CSV)",
                "CSV",
                "https://data.logiseine.example/datacity/arrets-t1-2026.csv",
                85 * MB,
            ),
            FileSpec(
                "Dictionnaire des données",
                "PDF",
                "https://data.logiseine.example/datacity/dictionnaire.pdf",
                300_000,
            ),
        ),
        restricted_terms="Ces données sont confiées par LogiSeine aux équipes du programme "
        "DataCity Paris 2026. En les téléchargeant, votre équipe s'engage à :\n\n"
        "- ne les utiliser que pour le défi « Fluidifier les livraisons du dernier kilomètre » ;\n"
        "- ne pas les transmettre à des tiers ni les publier, même en partie ;\n"
        "- ne publier que des résultats agrégés sur au moins 10 tournées ;\n"
        "- les supprimer à la fin du programme.\n\n"
        "Chaque acceptation et chaque téléchargement sont enregistrés.",
        extra={"landing_url": "https://data.logiseine.example/datacity"},
    ),
)

LYON_CATALOGUE: tuple[DatasetSpec, ...] = (
    DatasetSpec(
        key="velov",
        kind=CKAN,
        portal_url=GRAND_LYON,
        display_id="disponibilite-des-stations-velov-de-la-metropole-de-lyon",
        title="Disponibilité des stations Vélo'v de la Métropole de Lyon",
        description="Nombre de vélos et de bornes disponibles dans chaque station Vélo'v, "
        "mis à jour toutes les minutes, avec l'état de la station et sa position.",
        publisher="Métropole de Lyon",
        licence="lov2",
        frequency="continuous",
        modified_days_ago=0,
        keywords=("vélo", "vélo en libre-service", "Vélo'v", "temps réel"),
        pasted="api",
        files=(
            FileSpec(
                "Disponibilité (JSON)",
                "JSON",
                "https://download.data.grandlyon.com/ws/rdata/jcd_jcdecaux.jcdvelov/all.json",
            ),
            FileSpec(
                "Stations (GeoJSON)",
                "GeoJSON",
                "https://download.data.grandlyon.com/wfs/rdata?SERVICE=WFS&TYPENAME=jcd_jcdecaux.jcdvelov"
                "&outputFormat=application/json",
                600_000,
            ),
        ),
        extra={"org_name": "metropole-de-lyon", "spatial_uri": "http://id.insee.fr/geo/epci/200046977"},
    ),
    DatasetSpec(
        key="amenagements-cyclables",
        kind=CKAN,
        portal_url=GRAND_LYON,
        display_id="amenagements-cyclables-de-la-metropole-de-lyon",
        title="Aménagements cyclables de la Métropole de Lyon",
        description="Pistes, bandes, voies vertes et double-sens cyclables de la Métropole, "
        "avec leur type, leur sens et leur date de mise en service.",
        publisher="Métropole de Lyon",
        licence="lov2",
        frequency="monthly",
        modified_days_ago=35,
        keywords=("vélo", "aménagements cyclables", "voirie"),
        files=(
            FileSpec(
                "Aménagements cyclables (GeoJSON)",
                "GeoJSON",
                "https://download.data.grandlyon.com/wfs/grandlyon?SERVICE=WFS&TYPENAME=pvo_patrimoine_voirie.pvoamenagementcyclable"
                "&outputFormat=application/json",
                14 * MB,
            ),
            FileSpec(
                "Aménagements cyclables (CSV)",
                "CSV",
                "https://download.data.grandlyon.com/ws/grandlyon/pvo_patrimoine_voirie.pvoamenagementcyclable/all.csv",
                5 * MB,
            ),
        ),
        extra={"org_name": "metropole-de-lyon", "spatial_uri": "http://id.insee.fr/geo/epci/200046977"},
    ),
    DatasetSpec(
        key="arrets-tcl",
        kind=CKAN,
        portal_url=GRAND_LYON,
        display_id="points-d-arret-du-reseau-transports-en-commun-lyonnais",
        title="Points d'arrêt du réseau Transports en Commun Lyonnais",
        description="Arrêts de bus, tramway, métro et funiculaire du réseau TCL, avec les lignes "
        "desservies et l'accessibilité aux personnes à mobilité réduite.",
        publisher="Sytral Mobilités",
        licence="odc-odbl",
        frequency="weekly",
        modified_days_ago=6,
        keywords=("transports en commun", "TCL", "arrêts", "accessibilité"),
        files=(
            FileSpec(
                "Points d'arrêt (GeoJSON)",
                "GeoJSON",
                "https://download.data.grandlyon.com/wfs/rdata?SERVICE=WFS&TYPENAME=tcl_sytral.tclarret"
                "&outputFormat=application/json",
                3 * MB,
            ),
            FileSpec(
                "Horaires théoriques (GTFS)",
                "GTFS",
                "https://download.data.grandlyon.com/files/rdata/tcl_sytral.tcltheorique/GTFS_TCL.ZIP",
                40 * MB,
            ),
        ),
        extra={"org_name": "sytral-mobilites", "spatial_uri": "http://id.insee.fr/geo/epci/200046977"},
    ),
    DatasetSpec(
        key="bnlc",
        kind=UDATA,
        portal_url=DATA_GOUV,
        display_id="base-nationale-des-lieux-de-covoiturage",
        title="Base nationale des lieux de covoiturage",
        description="Aires et parkings de covoiturage en France, consolidés à partir des données des "
        "collectivités, selon le schéma national des lieux de covoiturage.",
        publisher="Point d'Accès National transport.data.gouv.fr",
        licence="odc-odbl",
        frequency="monthly",
        modified_days_ago=12,
        keywords=("covoiturage", "stationnement", "mobilité"),
        files=(
            FileSpec(
                "Base consolidée (CSV)",
                "CSV",
                "https://raw.githubusercontent.com/etalab/transport-base-nationale-covoiturage/main/bnlc-.csv",
                700_000,
            ),
        ),
        extra={"org_slug": "point-d-acces-national-transport-data-gouv-fr", "granularity": "fr:commune"},
    ),
    DatasetSpec(
        key="registre-covoiturage",
        kind=UDATA,
        portal_url=DATA_GOUV,
        display_id="trajets-realises-en-covoiturage-registre-de-preuve-de-covoiturage",
        title="Trajets réalisés en covoiturage – registre de preuve de covoiturage",
        description="Trajets de covoiturage déclarés par les opérateurs au registre de preuve de "
        "covoiturage, anonymisés et publiés chaque mois : origine, destination, heure, distance.",
        publisher="Ministère de la Transition écologique",
        licence="lov2",
        frequency="monthly",
        modified_days_ago=28,
        keywords=("covoiturage", "trajets", "domicile-travail"),
        files=(
            FileSpec(
                "Trajets du mois (CSV)",
                "CSV",
                "https://static.data.gouv.fr/resources/trajets-realises-en-covoiturage/trajets-du-mois.csv",
                95 * MB,
            ),
        ),
        extra={"org_slug": "ministere-de-la-transition-ecologique", "granularity": "fr:commune"},
    ),
    DatasetSpec(
        key="frequentation-gares",
        kind=ODS,
        portal_url=SNCF_ODS,
        display_id="frequentation-gares",
        title="Fréquentation en gares",
        description="Nombre annuel de voyageurs et de non-voyageurs dans chaque gare du réseau, "
        "estimé à partir des ventes de billets et des comptages.",
        publisher="SNCF Voyageurs",
        licence="odc-odbl",
        frequency="annual",
        modified_days_ago=200,
        keywords=("gares", "fréquentation", "train"),
        theme="Gares",
        records=3_000,
        extra={"territory": ["France"]},
        fields=(
            ("nom_gare", "Nom de la gare", "text"),
            ("code_uic_complet", "Code UIC", "text"),
            ("total_voyageurs_2024", "Total voyageurs 2024", "int"),
        ),
    ),
)
