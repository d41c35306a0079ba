# Les pages invitées en français (vouvoiement). Mêmes messages et variables que en/guest.ftl.
# Espaces insécables avant « : ; ! ? » et à l’intérieur des guillemets.

## Shared
meta-description = Choisissez un créneau qui vous convient et réservez-le en quelques secondes.
language-switcher = Langue
duration-minutes = { $minutes } min
duration-long = { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
}
type-with-host = { $type } avec { $host }
with-host = avec { $host }
card-label = À propos de ce rendez-vous
other-times = Autres créneaux

## Meeting types
types-heading = Prendre rendez-vous avec { $host }
types-description = Choisissez un rendez-vous avec { $host } et un créneau qui vous convient ; c’est réservé en quelques secondes.
types-none = { $host } n’a aucun type de rendez-vous ouvert à la réservation pour le moment.

## Calendar
calendar-heading = Choisissez une date et une heure
calendar-description = Choisissez un créneau pour { $type } avec { $host } et réservez en quelques secondes.
gap-closed = Ce créneau n’est pas ouvert à la réservation. Veuillez choisir l’un des créneaux ci-dessous.
gap-taken = Désolé, ce créneau vient d’être réservé. Veuillez en choisir un autre.
zone-unknown = « { $zone } » n’est pas un fuseau horaire que nous connaissons ; affichage pour { $place }.
month-previous = Mois précédent
month-next = Mois suivant
day-free = { $day }, créneaux disponibles
day-free-today = { $day } (aujourd’hui), créneaux disponibles
today = (aujourd’hui)
legend-free = Créneaux libres
legend-closed = Complet ou fermé
part-morning = Matin
part-afternoon = Après-midi
part-evening = Soir
pick-day = Choisissez un jour avec des créneaux libres.
no-times-month = Aucun créneau libre ce mois-ci.
zone-label = Fuseau horaire
zone-now = il est { $time }
zone-show = Afficher les créneaux
zone-search = Rechercher une ville, un pays ou un fuseau
zone-search-label = Rechercher un fuseau horaire
region-americas = Amériques
region-europe = Europe
region-africa = Afrique
region-asia = Asie
region-pacific = Australie et Pacifique
region-atlantic = Atlantique
region-indian = Océan Indien
region-antarctica = Antarctique
region-other = Autres

## Details form
details-title = Vos coordonnées — { $type } avec { $host }
details-heading = Saisissez vos coordonnées
details-check = Veuillez vérifier les champs signalés ci-dessous.
field-trap = Laissez ce champ vide
field-name = Nom
field-email = E-mail
field-phone = Téléphone (facultatif, avec l’indicatif du pays)
field-phone-needed = Téléphone, avec l’indicatif du pays (l’organisateur vous appellera)
field-company = Entreprise (facultatif)
field-notes = De quoi souhaitez-vous parler ?
details-submit = Réserver le rendez-vous
booking-failed = Un problème est survenu de notre côté ; rien n’a été réservé. Veuillez réessayer.

## Where the meeting happens
location-in-person = En personne : { $address }
location-host-calls = Appel téléphonique : { $host } vous appellera
location-host-calls-at = Appel téléphonique : { $host } vous appellera au { $phone }
location-guest-calls = Appel téléphonique : veuillez appeler { $host } au { $phone }
location-link = Appel vidéo : { $url }
location-video = Appel vidéo sur { $provider } : le lien vous parviendra avec la confirmation

## The guest's booking page
manage-booked = Votre rendez-vous est confirmé !
manage-moved = Votre rendez-vous a un nouvel horaire
manage-cancelled = Ce rendez-vous est annulé
manage-passed = Ce rendez-vous a eu lieu
manage-title = { $heading } — { $type } avec { $host }
your-time = votre heure
host-time = heure de { $host }
cancelled-by = { $who ->
    [guest] Annulé par vous.
    [system] Annulé par le système.
   *[host] Annulé par { $host }.
}
cancelled-by-on = { $who ->
    [guest] Annulé par vous le { $when }.
    [system] Annulé par le système le { $when }.
   *[host] Annulé par { $host } le { $when }.
}
book-again = Réserver un autre créneau avec { $host }
download-ics = Télécharger le fichier .ics
add-google = Ajouter à Google Agenda
add-outlook = Ajouter à Outlook
need-change = Un changement ?
reschedule = Changer d’horaire
manage-elsewhere = Changer d’horaire ou annuler (s’ouvre dans un nouvel onglet)
cancel-reason = Motif de l’annulation (facultatif, transmis à { $host })
cancel-submit = Annuler le rendez-vous
flash-cancelled = Votre rendez-vous est annulé. Nous avons prévenu l’organisateur.
flash-moved = C’est fait : votre rendez-vous a un nouvel horaire. Nous avons prévenu l’organisateur.
booking-unknown = Nous n’avons pas trouvé cette réservation. Le lien est peut-être incomplet ou mal recopié.
form-expired = Ce formulaire a expiré. Veuillez réessayer.
error-ours = Un problème est survenu de notre côté et rien n’a été modifié. Veuillez réessayer.
changes-closed = { $hours ->
    [one] Les modifications ne sont plus possibles { $hours } heure avant le rendez-vous ; veuillez contacter directement l’organisateur.
   *[other] Les modifications ne sont plus possibles { $hours } heures avant le rendez-vous ; veuillez contacter directement l’organisateur.
}

## Moving a booking
back-your-booking = Votre réservation
move-heading = Choisissez un nouvel horaire pour { $type }
move-note = Actuellement : { $when } ({ $zone }). Votre horaire actuel reste réservé jusqu’à ce que vous en confirmiez un nouveau.
move-title = Déplacer votre rendez-vous — { $type } avec { $host }
move-question = Déplacer votre rendez-vous ?
move-submit = Confirmer ce nouvel horaire

## Not found, too many requests
no-page = Il n’y a pas de page de réservation à l’adresse /book/{ $name }.
type-closed = Ce type de rendez-vous de { $host } n’est pas ouvert à la réservation.
page-unavailable = Cette page de réservation n’est pas disponible pour le moment.
photo-gone = Cette photo n’est plus disponible.
not-found-title = Introuvable
not-found-heading = Rien à réserver ici
not-found-hint = Vérifiez le lien que vous avez reçu, ou demandez-en un nouveau à la personne qui vous l’a envoyé.
too-many-title = Un instant
too-many-heading = Un instant, s’il vous plaît
too-many-body = Nous avons reçu beaucoup de requêtes de votre connexion en peu de temps ; nous les avons donc suspendues un moment.
retry-in = { $seconds ->
    [one] Veuillez réessayer dans { $seconds } seconde. Rien de ce que vous avez saisi n’a été réservé ni modifié.
   *[other] Veuillez réessayer dans { $seconds } secondes. Rien de ce que vous avez saisi n’a été réservé ni modifié.
}

## Durées, places et demandes que l’hôte confirme
duration-label = Durée
seats-left = { $count ->
    [one] 1 place restante
   *[other] { $count } places restantes
}
request-note = { $host } confirme chaque réservation personnellement : ce créneau vous est réservé jusqu’à sa réponse, que vous recevrez par e-mail.
request-submit = Demander le rendez-vous
manage-pending = Demande envoyée
manage-rejected = Cette demande a été refusée
manage-expired = Cette demande a expiré
pending-line = { $host } a été invité·e à confirmer. Le créneau vous est réservé ; nous vous écrirons dès sa réponse.
rejected-line = { $host } n’est pas disponible à ce moment-là. Rien n’a été ajouté aux agendas.
expired-line = { $host } n’a pas répondu à temps : le créneau n’est plus réservé.
withdraw-submit = Retirer la demande
