# Las páginas de invitados en español (tuteo). Los mismos mensajes y variables que en/guest.ftl.

## Shared
meta-description = Elige una hora que te venga bien y resérvala en segundos.
language-switcher = Idioma
duration-minutes = { $minutes } min
duration-long = { $minutes ->
    [one] { $minutes } minuto
   *[other] { $minutes } minutos
}
type-with-host = { $type } con { $host }
with-host = con { $host }
card-label = Sobre esta reunión
other-times = Otras horas

## Meeting types
types-heading = Reserva una reunión con { $host }
types-description = Elige una reunión con { $host } y una hora que te venga bien; reservada en segundos.
types-none = { $host } no tiene ahora mismo tipos de reunión abiertos para reservar.

## Calendar
calendar-heading = Selecciona una fecha y una hora
calendar-description = Elige una hora para { $type } con { $host } y resérvala en segundos.
gap-closed = Esa hora no está disponible para reservar. Elige una de las horas de abajo.
gap-taken = Lo sentimos, alguien acaba de reservar esa hora. Elige otra.
zone-unknown = «{ $zone }» no es una zona horaria que conozcamos; se muestra { $place }.
month-previous = Mes anterior
month-next = Mes siguiente
day-free = { $day }, horas disponibles
day-free-today = { $day } (hoy), horas disponibles
today = (hoy)
legend-free = Horas libres
legend-closed = Completo o cerrado
part-morning = Mañana
part-afternoon = Tarde
part-evening = Noche
pick-day = Elige un día con horas libres.
no-times-month = No hay horas libres este mes.
zone-label = Zona horaria
zone-now = ahora { $time }
zone-show = Mostrar horas
zone-search = Busca una ciudad, un país o una zona
zone-search-label = Buscar zonas horarias
region-americas = América
region-europe = Europa
region-africa = África
region-asia = Asia
region-pacific = Australia y Pacífico
region-atlantic = Atlántico
region-indian = Océano Índico
region-antarctica = Antártida
region-other = Otras

## Details form
details-title = Tus datos — { $type } con { $host }
details-heading = Introduce tus datos
details-check = Revisa los campos marcados abajo.
field-trap = Deja este campo vacío
field-name = Nombre
field-email = Correo electrónico
field-phone = Teléfono (opcional, con prefijo internacional)
field-phone-needed = Teléfono, con prefijo internacional (el anfitrión te llamará)
field-company = Empresa (opcional)
field-notes = ¿De qué te gustaría hablar?
details-submit = Reservar reunión
booking-failed = Algo ha fallado por nuestra parte; no se ha reservado nada. Inténtalo de nuevo.

## Where the meeting happens
location-in-person = En persona: { $address }
location-host-calls = Llamada telefónica: { $host } te llamará
location-host-calls-at = Llamada telefónica: { $host } te llamará al { $phone }
location-guest-calls = Llamada telefónica: llama a { $host } al { $phone }
location-link = Videollamada: { $url }
location-video = Videollamada por { $provider }: recibirás el enlace con la confirmación

## The guest's booking page
manage-booked = ¡Reserva confirmada!
manage-moved = Tu reunión tiene una nueva hora
manage-cancelled = Esta reunión está cancelada
manage-passed = Esta reunión ya tuvo lugar
manage-title = { $heading } — { $type } con { $host }
your-time = tu hora
host-time = hora de { $host }
cancelled-by = { $who ->
    [guest] Cancelada por ti.
    [system] Cancelada por el sistema.
   *[host] Cancelada por { $host }.
}
cancelled-by-on = { $who ->
    [guest] Cancelada por ti el { $when }.
    [system] Cancelada por el sistema el { $when }.
   *[host] Cancelada por { $host } el { $when }.
}
book-again = Reserva otra hora con { $host }
download-ics = Descargar .ics
add-google = Añadir a Google Calendar
add-outlook = Añadir a Outlook
need-change = ¿Necesitas un cambio?
reschedule = Cambiar la hora
manage-elsewhere = Cambiar la hora o cancelar (se abre en una pestaña nueva)
cancel-reason = Motivo de la cancelación (opcional, se compartirá con { $host })
cancel-submit = Cancelar reunión
flash-cancelled = Tu reunión está cancelada. Se lo hemos comunicado al anfitrión.
flash-moved = Hecho: tu reunión tiene una nueva hora. Se lo hemos comunicado al anfitrión.
booking-unknown = No hemos encontrado esta reserva. Puede que el enlace esté incompleto o mal copiado.
form-expired = Este formulario ha caducado. Inténtalo de nuevo.
error-ours = Algo ha fallado por nuestra parte y no se ha cambiado nada. Inténtalo de nuevo.
changes-closed = { $hours ->
    [one] Los cambios se cierran { $hours } hora antes de la reunión; ponte en contacto directamente con el anfitrión.
   *[other] Los cambios se cierran { $hours } horas antes de la reunión; ponte en contacto directamente con el anfitrión.
}

## Moving a booking
back-your-booking = Tu reserva
move-heading = Elige una nueva hora para { $type }
move-note = Ahora: { $when } ({ $zone }). Tu hora actual sigue reservada hasta que confirmes una nueva.
move-title = Cambiar la hora de tu reunión — { $type } con { $host }
move-question = ¿Cambiar la hora de tu reunión?
move-submit = Cambiar a esta hora

## Not found, too many requests
no-page = No hay ninguna página de reservas en /book/{ $name }.
type-closed = Este tipo de reunión de { $host } no está abierto para reservas.
page-unavailable = Esta página de reservas no está disponible en este momento.
photo-gone = Esta foto ya no está disponible.
not-found-title = No encontrado
not-found-heading = Aquí no hay nada que reservar
not-found-hint = Revisa el enlace que recibiste o pide uno nuevo a quien te lo envió.
too-many-title = Un momento
too-many-heading = Un momento, por favor
too-many-body = Hemos recibido muchas solicitudes desde tu conexión en poco tiempo, así que las hemos pausado un momento.
retry-in = { $seconds ->
    [one] Vuelve a intentarlo dentro de { $seconds } segundo. No se ha reservado ni cambiado nada de lo que introdujiste.
   *[other] Vuelve a intentarlo dentro de { $seconds } segundos. No se ha reservado ni cambiado nada de lo que introdujiste.
}

## Duraciones, plazas y solicitudes que confirma el anfitrión
duration-label = Duración
seats-left = { $count ->
    [one] Queda 1 plaza
   *[other] Quedan { $count } plazas
}
request-note = { $host } confirma cada reserva personalmente: esta hora queda reservada para ti hasta que responda, y te avisaremos por correo.
request-submit = Solicitar reunión
manage-pending = Solicitud enviada
manage-rejected = Esta solicitud fue rechazada
manage-expired = Esta solicitud ha caducado
pending-line = Hemos pedido a { $host } que confirme. La hora queda reservada para ti y te escribiremos en cuanto responda.
rejected-line = { $host } no puede a esa hora. No se añadió nada a ningún calendario.
expired-line = { $host } no respondió a tiempo, así que la hora ya no está reservada.
withdraw-submit = Retirar la solicitud
