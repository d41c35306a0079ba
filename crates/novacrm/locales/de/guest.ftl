# Die Gastseiten auf Deutsch (Sie-Form). Dieselben Nachrichten und Variablen wie en/guest.ftl.

## Shared
meta-description = Wählen Sie eine passende Zeit und buchen Sie sie in Sekunden.
language-switcher = Sprache
duration-minutes = { $minutes } Min.
duration-long = { $minutes ->
    [one] { $minutes } Minute
   *[other] { $minutes } Minuten
}
type-with-host = { $type } mit { $host }
with-host = mit { $host }
card-label = Über diesen Termin
other-times = Andere Zeiten

## Meeting types
types-heading = Termin mit { $host } buchen
types-description = Wählen Sie einen Termin mit { $host } und eine passende Zeit – in Sekunden gebucht.
types-none = { $host } bietet derzeit keine buchbaren Termine an.

## Calendar
calendar-heading = Datum und Uhrzeit auswählen
calendar-description = Wählen Sie eine Zeit für { $type } mit { $host } und buchen Sie in Sekunden.
gap-closed = Diese Zeit ist nicht buchbar. Bitte wählen Sie eine der folgenden Zeiten.
gap-taken = Diese Zeit wurde leider gerade gebucht. Bitte wählen Sie eine andere.
zone-unknown = „{ $zone }“ ist keine uns bekannte Zeitzone; angezeigt wird { $place }.
month-previous = Vorheriger Monat
month-next = Nächster Monat
day-free = { $day }, freie Zeiten
day-free-today = { $day } (heute), freie Zeiten
today = (heute)
legend-free = Freie Zeiten
legend-closed = Ausgebucht oder geschlossen
part-morning = Vormittag
part-afternoon = Nachmittag
part-evening = Abend
pick-day = Wählen Sie einen Tag mit freien Zeiten.
no-times-month = In diesem Monat gibt es keine freien Zeiten.
zone-label = Zeitzone
zone-now = jetzt { $time }
zone-show = Zeiten anzeigen
zone-search = Stadt, Land oder Zeitzone suchen
zone-search-label = Zeitzonen durchsuchen
region-americas = Amerika
region-europe = Europa
region-africa = Afrika
region-asia = Asien
region-pacific = Australien und Pazifik
region-atlantic = Atlantik
region-indian = Indischer Ozean
region-antarctica = Antarktis
region-other = Sonstige

## Details form
details-title = Ihre Angaben — { $type } mit { $host }
details-heading = Ihre Angaben
details-check = Bitte prüfen Sie die markierten Felder.
field-trap = Dieses Feld leer lassen
field-name = Name
field-email = E-Mail
field-phone = Telefon (optional, mit Ländervorwahl)
field-phone-needed = Telefon, mit Ländervorwahl (Sie werden angerufen)
field-company = Firma (optional)
field-notes = Worüber möchten Sie sprechen?
details-submit = Termin buchen
booking-failed = Bei uns ist etwas schiefgelaufen; es wurde nichts gebucht. Bitte versuchen Sie es erneut.

## Where the meeting happens
location-in-person = Vor Ort: { $address }
location-host-calls = Telefonat: { $host } ruft Sie an
location-host-calls-at = Telefonat: { $host } ruft Sie unter { $phone } an
location-guest-calls = Telefonat: Bitte rufen Sie { $host } unter { $phone } an
location-link = Videoanruf: { $url }
location-video = Videoanruf über { $provider }: Den Link erhalten Sie mit der Bestätigung

## The guest's booking page
manage-booked = Ihr Termin ist gebucht!
manage-moved = Ihr Termin hat eine neue Zeit
manage-cancelled = Dieser Termin ist abgesagt
manage-passed = Dieser Termin hat bereits stattgefunden
manage-title = { $heading } — { $type } mit { $host }
your-time = Ihre Zeit
host-time = Zeit von { $host }
cancelled-by = { $who ->
    [guest] Von Ihnen abgesagt.
    [system] Vom System abgesagt.
   *[host] Von { $host } abgesagt.
}
cancelled-by-on = { $who ->
    [guest] Von Ihnen abgesagt am { $when }.
    [system] Vom System abgesagt am { $when }.
   *[host] Von { $host } abgesagt am { $when }.
}
book-again = Einen neuen Termin mit { $host } buchen
download-ics = .ics herunterladen
add-google = Zu Google Kalender hinzufügen
add-outlook = Zu Outlook hinzufügen
need-change = Etwas ändern?
reschedule = Verschieben
manage-elsewhere = Verschieben oder absagen (öffnet sich in einem neuen Tab)
cancel-reason = Grund der Absage (optional, wird { $host } mitgeteilt)
cancel-submit = Termin absagen
flash-cancelled = Ihr Termin ist abgesagt. Wir haben den Gastgeber informiert.
flash-moved = Erledigt – Ihr Termin hat eine neue Zeit. Wir haben den Gastgeber informiert.
booking-unknown = Wir konnten diese Buchung nicht finden. Der Link ist vielleicht unvollständig oder falsch abgetippt.
form-expired = Dieses Formular ist abgelaufen. Bitte versuchen Sie es erneut.
error-ours = Bei uns ist etwas schiefgelaufen, es wurde nichts geändert. Bitte versuchen Sie es erneut.
changes-closed = { $hours ->
    [one] Ab einer Stunde vor dem Termin sind keine Änderungen mehr möglich; bitte wenden Sie sich direkt an den Gastgeber.
   *[other] Ab { $hours } Stunden vor dem Termin sind keine Änderungen mehr möglich; bitte wenden Sie sich direkt an den Gastgeber.
}

## Moving a booking
back-your-booking = Ihre Buchung
move-heading = Neue Zeit für { $type } wählen
move-note = Bisher: { $when } ({ $zone }). Ihre bisherige Zeit bleibt gebucht, bis Sie eine neue bestätigen.
move-title = Termin verschieben — { $type } mit { $host }
move-question = Termin verschieben?
move-submit = Auf diese Zeit verschieben

## Not found, too many requests
no-page = Unter /book/{ $name } gibt es keine Buchungsseite.
type-closed = Dieser Termin von { $host } ist nicht buchbar.
page-unavailable = Diese Buchungsseite ist gerade nicht verfügbar.
photo-gone = Dieses Foto gibt es nicht mehr.
not-found-title = Nicht gefunden
not-found-heading = Hier gibt es nichts zu buchen
not-found-hint = Prüfen Sie den Link, den Sie erhalten haben, oder bitten Sie den Absender um einen neuen.
too-many-title = Einen Moment
too-many-heading = Einen Moment, bitte
too-many-body = Von Ihrer Verbindung kamen in kurzer Zeit sehr viele Anfragen, daher haben wir sie kurz angehalten.
retry-in = { $seconds ->
    [one] Bitte versuchen Sie es in { $seconds } Sekunde erneut. Ihre Eingaben wurden weder gebucht noch geändert.
   *[other] Bitte versuchen Sie es in { $seconds } Sekunden erneut. Ihre Eingaben wurden weder gebucht noch geändert.
}

## Längen, Plätze und Anfragen, die der Gastgeber bestätigt
duration-label = Dauer
seats-left = { $count ->
    [one] 1 Platz frei
   *[other] { $count } Plätze frei
}
request-note = { $host } bestätigt jede Buchung persönlich: Der Termin bleibt für Sie reserviert, bis eine Antwort kommt – Sie erhalten sie per E-Mail.
request-submit = Termin anfragen
manage-pending = Anfrage gesendet
manage-rejected = Diese Anfrage wurde abgelehnt
manage-expired = Diese Anfrage ist abgelaufen
pending-line = { $host } wurde um Bestätigung gebeten. Der Termin ist für Sie reserviert; wir schreiben Ihnen, sobald eine Antwort da ist.
rejected-line = { $host } kann zu dieser Zeit nicht. In keinen Kalender wurde etwas eingetragen.
expired-line = { $host } hat nicht rechtzeitig geantwortet, daher ist der Termin nicht mehr reserviert.
withdraw-submit = Anfrage zurückziehen
