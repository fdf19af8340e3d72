"""Staff command for the hand-off: services and officers.

    python -m assistant.officers add-service ID "Nom du service" --kind epci [--adresse …] [--telephone …]
    python -m assistant.officers add LOGIN "Prénom Nom" SERVICE_ID      # asks for the password twice
    python -m assistant.officers list
    python -m assistant.officers password LOGIN
    python -m assistant.officers disable LOGIN | enable LOGIN
    python -m assistant.officers route TOPIC TERRITOIRE SERVICE_ID      # add or change a routing row

The password can also come from the environment (OFFICER_PASSWORD), for scripts; it is never an argument, so it
stays out of shell histories and process lists. The database is the service's (PROGRAMME_DATABASE_URL).
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys

import sqlalchemy as sa

from assistant import settings as settings_module
from assistant.catalogue import LOADERS
from assistant.handoff import officers, routing
from assistant.storage import open_database


def _password() -> str:
    if os.environ.get("OFFICER_PASSWORD"):
        return os.environ["OFFICER_PASSWORD"]
    first = getpass.getpass("Mot de passe (12 caractères au moins) : ")
    if getpass.getpass("Encore une fois : ") != first:
        sys.exit("Les deux mots de passe diffèrent.")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("add-service")
    s.add_argument("id")
    s.add_argument("nom")
    s.add_argument("--kind", default="autre", choices=routing.KINDS)
    for name in ("adresse", "telephone", "courriel", "site_web", "source_contact", "note"):
        s.add_argument(f"--{name.replace('_', '-')}", dest=name)
    s.add_argument("--horaires", default="lun-ven 09:00-12:00,14:00-17:00")
    s.add_argument("--delai-heures", type=int, default=12)
    a = sub.add_parser("add")
    a.add_argument("login")
    a.add_argument("nom")
    a.add_argument("service")
    sub.add_parser("list")
    for name in ("password", "disable", "enable"):
        sub.add_parser(name).add_argument("login")
    r = sub.add_parser("route")
    r.add_argument("topic", choices=routing.TOPICS)
    r.add_argument("territoire")
    r.add_argument("service")
    args = parser.parse_args(argv)

    settings = settings_module.load()
    engine = open_database(settings.database_url, settings.programme_dir, LOADERS)
    try:
        with engine.begin() as conn:
            if args.command == "add-service":
                row = routing.clean_service({
                    "id": args.id, "nom": args.nom, "kind": args.kind, "adresse": args.adresse,
                    "telephone": args.telephone, "courriel": args.courriel, "site_web": args.site_web,
                    "source_contact": args.source_contact, "note": args.note,
                    "horaires_traitement": args.horaires, "delai_heures_ouvrees": str(args.delai_heures),
                })
                if routing.get_service(conn, row["id"]) is not None:
                    sys.exit(f"Le service {row['id']!r} existe déjà.")
                conn.execute(routing.services.insert().values(**row))
                print(f"Service créé : {row['id']}")
            elif args.command == "add":
                officer = officers.add(conn, args.login, args.nom, args.service, _password())
                print(f"Agent créé : {officer.login} ({officer.service_id})")
            elif args.command == "list":
                for o in officers.all_officers(conn):
                    print(f"{o['login']}\t{o['nom']}\t{o['service']}\t{'actif' if o['actif'] else 'désactivé'}")
            elif args.command == "password":
                officers.set_password(conn, args.login, _password())
                print("Mot de passe changé ; les sessions ouvertes sont fermées.")
            elif args.command in ("disable", "enable"):
                officers.set_active(conn, args.login, args.command == "enable")
                print("Fait.")
            elif args.command == "route":
                known = {s.id for s in routing.all_services(conn)}
                problem = routing.check_route(args.topic, args.territoire, args.service, known)
                if problem:
                    sys.exit(problem)
                table = routing.routes
                conn.execute(table.delete().where(table.c.topic == args.topic, table.c.territoire == args.territoire))
                conn.execute(table.insert().values(topic=args.topic, territoire=args.territoire, service_id=args.service))
                print(f"Routage : {args.topic} × {args.territoire} → {args.service}")
    except (officers.OfficerError, routing.RoutingError) as error:
        sys.exit(f"Refusé : {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
