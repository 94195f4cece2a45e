-- returns: at most one row: number, check_code of a certificate in the register, to print its QR code (casedb.certificates.qr_png)
-- params: number (text: trimmed, upper case)
-- roles: health, admin
-- suppress: none
SELECT c.number, c.check_code
FROM certificates c
WHERE c.number = :number
